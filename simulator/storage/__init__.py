"""Writing results safely.

Folder locks, which folders eujsim owns, and atomic writes of files and folders. Above
:mod:`simulator.base` only; beside :mod:`simulator.inputs` and independent of it.
"""
