"""``python -m simulator`` runs the same command line as ``eujsim``."""

from simulator.cli import entry_point

entry_point()
