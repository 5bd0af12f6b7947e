"""The interactive explorer: ``eujsim explore`` serves a local web page over the Python API.

The page's state is one scenario in the file format (seed and replicates included), kept as
plain data; :mod:`simulator.explore.state` edits, validates and simulates it and answers the
page's questions (the twin's difference, pinned variants side by side, why a quarter moved,
settings outside their documented ranges, the YAML to export) without any web library, so
those answers are unit-tested without a browser. :mod:`simulator.explore.figures` draws them
with Plotly and :mod:`simulator.explore.app` lays them out with Dash; both come with the
optional ``explore`` extra and are imported only when the explorer starts, so that the rest
of the command line never pays for them.

The layer sits just under ``cli``: it reads runs (``runs``), explains and compares them
(``evaluation``) and writes the HTML report (``reports``), and nothing below imports it.
"""
