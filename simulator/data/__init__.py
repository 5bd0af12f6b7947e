"""Packaged data: the calibration table and the shock library (YAML)."""
