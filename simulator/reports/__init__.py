"""Documents for readers.

The HTML report of a run, comparison or sweep, and the validation report that rewrites
docs/validation.md.
"""
