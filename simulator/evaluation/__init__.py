"""Questions asked of runs.

How scenarios differ (compare), why cooperation moved (explain) and whether the model
reproduces the coded history (validation).
"""
