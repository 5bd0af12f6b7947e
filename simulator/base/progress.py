"""Progress of a long sweep: a bar with an ETA on a terminal, plain log lines otherwise.

A bar is what a person watching wants; in a CI log or a file redirected from a
cluster job, a bar's carriage returns are noise, so there the same information comes
as a line every tenth of the way (and at every failure).
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

LOG_STEPS = 10
"""Log lines per sweep when not on a terminal."""


class Progress:
    """Counts finished worlds and shows them.

    Args:
        total: Worlds in the sweep.
        done: Worlds already finished (resumed sweeps start part-way).
        label: What is running, for the bar or the log lines.
        bar: True for a bar, False for log lines, None to choose by whether stderr is a terminal.
    """

    def __init__(self, total: int, done: int = 0, *, label: str = "sweep", bar: bool | None = None) -> None:
        self.total = total
        self.done = done
        self.label = label
        self.failed = 0
        self._start_done = done
        self._started = time.perf_counter()
        self._next_log = self._log_mark(done)
        use_bar = sys.stderr.isatty() if bar is None else bar
        self._bar = (
            tqdm(
                total=total,
                initial=done,
                unit="world",
                unit_scale=total >= 10_000,  # 12.3k/100k reads better than 12345/100000; 18/18 better than 18.0/18.0
                desc=label,
                file=sys.stderr,
                smoothing=0.1,
            )
            if use_bar
            else None
        )

    def _log_mark(self, done: int) -> int:
        step = max(1, self.total // LOG_STEPS)
        return (done // step + 1) * step

    def advance(self, worlds: int, failed: int = 0) -> None:
        """Count ``worlds`` more as finished; ``failed`` is the running count of failed chunks."""
        new_failure = failed > self.failed
        self.failed = failed
        self.done += worlds
        if self._bar is not None:
            self._bar.update(worlds)
            if new_failure:
                self._bar.set_postfix(failed_chunks=failed)
            return
        if self.done >= self._next_log or new_failure or self.done >= self.total:
            self._next_log = self._log_mark(self.done)
            print(self._line(), file=sys.stderr, flush=True)

    def _line(self) -> str:
        elapsed = time.perf_counter() - self._started
        ran = self.done - self._start_done
        rate = ran / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        failed = f", {self.failed} chunks failed" if self.failed else ""
        eta = f", about {left:.0f} s left" if self.done < self.total and rate > 0 else ""
        return (
            f"{self.label}: {self.done:,}/{self.total:,} worlds ({100 * self.done / max(1, self.total):.0f}%), "
            f"{elapsed:.1f} s, {rate:,.0f} worlds/s{eta}{failed}"
        )

    def close(self) -> None:
        """Finish the bar (log lines need no closing)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
