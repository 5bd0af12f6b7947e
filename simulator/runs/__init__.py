"""One scenario simulated into results.

The runner, the result object and its tables, run folders read back, provenance manifests,
metrics over runs and the size check of a run; and the model as Mesa's own tools expect it
(:mod:`~simulator.runs.mesa_model`) with its SolaraViz page (:mod:`~simulator.runs.mesa_viz`,
which needs the ``viz`` extra and which nothing else imports).
"""
