"""The model itself, as the ODD describes it.

The actors and pairs (structure), the state of every world, parameters, random streams, the
context the actors read, shocks, the six actors as Mesa agents, the quarterly schedule
(:mod:`simulator.core.model`), its mechanisms (pure array functions) and the recorder.
"""
