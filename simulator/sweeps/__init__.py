"""Many worlds over a design of parameters.

Experiments, designs, chunks and executors, the sweep folder and its resumption, the size of
a sweep, sensitivity indices, and the sweep analysis with its figures and the words for an
experiment's metrics and factors (which need the experiment's types).
"""
