"""Foundations every layer may use.

User errors, names, the quarter calendar, safe YAML loading, schema error wording,
machine resources and progress display. Nothing here knows of scenarios, the model or
results, and nothing here imports another layer.
"""
