"""The file formats the plots can be written in, and the ``--format`` list that names them.

Kept apart from the drawing so that the command line can check a ``--format`` value without
importing matplotlib (a mistyped option is answered at once).
"""

from __future__ import annotations

PLOT_FORMATS = ("png", "svg", "pdf")
"""Formats a plot can be saved in: PNG for screens and the HTML report, SVG and PDF for print (vector)."""
DEFAULT_FORMATS = ("png",)
"""What the plots are written as unless asked otherwise: the report embeds PNGs."""


def parse_formats(text: str) -> tuple[str, ...]:
    """The formats of a comma list such as ``png,svg,pdf``, in the order given, each once.

    Raises:
        ValueError: naming an unknown or missing format and the allowed ones (argparse turns it
            into the one-line usage error).
    """
    names = [part.strip().lower().removeprefix(".") for part in text.split(",")]
    unknown = [name for name in names if name not in PLOT_FORMATS]
    if unknown:  # an empty list or entry reads as the unknown format ''
        shown = ", ".join(repr(name) for name in unknown)
        raise ValueError(f"unknown plot format {shown}; the formats are {', '.join(PLOT_FORMATS)} (comma-separated)")
    return tuple(dict.fromkeys(names))
