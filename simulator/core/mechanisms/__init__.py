"""The model's mechanisms as pure array functions.

Each module holds one mechanism of the process overview (docs/ODD.md §3). The
functions take and return NumPy arrays with a leading world axis and never touch
model state, so each can be unit-tested alone and the agents stay small.
"""
