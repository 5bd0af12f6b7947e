"""Drawing and wording.

The plot style; the figures of a run, a comparison and an explanation; series and
parameters in words. The figures read what they draw through protocols they name, so that a
result can save its own plots while drawing knows nothing above the model.
"""
