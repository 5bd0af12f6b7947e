"""The simulator in Mesa's SolaraViz: controls for the model's keywords, plots of its series.

Needs the ``viz`` extra (``pip install 'eujsim[viz]'``). Run from anywhere::

    solara run docs/examples/mesa_solara_app.py

and open the address it prints. Reset builds a new model from the controls, Step simulates one
quarter, Play runs to the scenario's end; docs/mesa.md explains the controls and the plots.
"""

from simulator.runs.mesa_viz import page as mesa_page

page = mesa_page("us_retrenchment", replicates=50)
