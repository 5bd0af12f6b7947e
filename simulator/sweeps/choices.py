"""The sweep options the command line offers, named where importing them costs nothing.

``eujsim sweep --help`` lists the executors; importing :mod:`simulator.sweeps.executors`
for that would load the model and pandas before the help could be printed.
"""

EXECUTORS = ("local", "dask")
"""Where a sweep's chunks run: local processes, or a Dask cluster."""

ENGINES = ("numpy", "fused")
"""What runs the quarters: :data:`simulator.core.engines.ENGINES`, repeated here so that the help
does not import the model (a test keeps the two equal)."""
