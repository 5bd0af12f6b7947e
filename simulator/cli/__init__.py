"""Command line: ``eujsim run | sweep | analyze | compare | explain | report | validate | params | shocks``.

A thin layer over the Python API, in three parts: the parser (:mod:`simulator.cli.parser`),
the commands (:mod:`simulator.cli.commands`) and the entry point that turns every user
mistake into one line on stderr naming the file, the line or field and the fix, with exit
status 2 (:mod:`simulator.cli.main`).
"""

from simulator.cli.main import entry_point, main

__all__ = ["entry_point", "main"]
