"""What a run is made from.

The calibration (every parameter with its range and source), the shock library and the
scenario schema, validated before any model exists.
"""
