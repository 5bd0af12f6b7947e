"""How much memory a run will need, known before it starts, so that one too large is refused in a line.

A run keeps every recorded variable of every world and quarter (and, for an
explanation, every desire term of the explained pair as well), so its memory grows
with replicates × quarters. Asked for ten million replicates, it would otherwise
allocate for minutes and die in a ``MemoryError`` or be killed by the kernel. The
estimate below is compared with what the machine can spare
(:func:`simulator.base.resources.available_memory`) before the model allocates anything.

The coefficients were measured as the peak resident memory of whole commands on
``scenarios/baseline.yaml`` (``/usr/bin/time -f %M``), two cores, Python 3.12:

* ``eujsim run --no-plots``: 1,000 replicates × 20, 80 and 160 quarters gave 342, 569
  and 869 MB, and 500 to 4,000 replicates × 40 quarters 341 to 874 MB: about 3.7 kB per
  world-quarter above some 260 MB of start-up (libraries). Plots add little (429 MB
  against 424 MB at 1,000 × 40).
* ``eujsim explain`` (the run again with its no-shock twin, keeping the explained pair's
  terms): 592 MB at 1,000 × 40 and 951 MB at 2,000 × 40, about 8.8 kB per world-quarter.

The estimate rounds both up (4 kB and 10 kB), so a run refused here would not have fitted.
"""

from __future__ import annotations

from pathlib import Path

from simulator.base.errors import UserError
from simulator.base.resources import available_memory, format_bytes

RUN_BYTES_PER_WORLD_QUARTER = 4_000
"""Memory one world costs per recorded quarter in a run (measured 3.7 kB, see the module docstring)."""
EXPLAIN_BYTES_PER_WORLD_QUARTER = 10_000
"""The same when the run is explained: the run and its twin, with the pair's terms (measured 8.8 kB)."""


def run_memory(worlds: int, horizon: int, *, explained: bool = False) -> int:
    """Estimated bytes a run of ``worlds`` replicates over ``horizon`` quarters needs, beyond start-up."""
    per = EXPLAIN_BYTES_PER_WORLD_QUARTER if explained else RUN_BYTES_PER_WORLD_QUARTER
    return worlds * (horizon + 1) * per


def check_run_fits(
    worlds: int, horizon: int, *, explained: bool = False, file: str | Path | None = None, what: str = "a run"
) -> None:
    """Refuse a run whose estimated memory exceeds what this machine has available now.

    Args:
        worlds: Replicates (worlds) simulated together.
        horizon: Quarters simulated.
        explained: Whether the run is explained (needs more; see :data:`EXPLAIN_BYTES_PER_WORLD_QUARTER`).
        file: The scenario file or result folder, for the message.
        what: What is being run, for the message.

    Raises:
        UserError: with the estimate, the memory available and the fix.
    """
    available = available_memory()
    needed = run_memory(worlds, horizon, explained=explained)
    if available is None or needed <= available:
        return
    most = max(1, available // run_memory(1, horizon, explained=explained))
    raise UserError(
        f"{what} of {worlds:,} replicates x {horizon} quarters needs about {format_bytes(needed)} of memory, and "
        f"this machine has {format_bytes(available)} available; use at most about {most:,} replicates, or run it "
        "as a sweep (`eujsim sweep`), which simulates in chunks and keeps metrics per world",
        file=file,
        field="replicates",
    )
