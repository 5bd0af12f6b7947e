"""One scenario simulated into results.

The runner, the result object and its tables, run folders read back, provenance manifests,
metrics over runs and the size check of a run.
"""
