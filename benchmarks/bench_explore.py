"""How long the explorer takes to answer one edit: simulate the state and its twin, and draw every figure.

The page promises a redraw within a second for 100 replicates. Each edit here is a state the
cache has not seen (a parameter moved by a small step), so every round simulates afresh, as a
slider move does; the figures are the ones the page redraws after an edit (headline, timeline,
the open detail tab and the explanation of a quarter), serialised to JSON as Dash sends them.

    python benchmarks/bench_explore.py            # 100 replicates, 5 edits
"""

from __future__ import annotations

import statistics
import sys
import time

from simulator.explore import figures
from simulator.explore import state as st

REPLICATES = 100
EDITS = 5
BUDGET = 1.0
"""Seconds an edit may take, simulation and figures together."""


def main() -> int:
    state = st.with_run_settings(st.load_state("us_retrenchment"), replicates=REPLICATES)
    simulations = st.Simulations()
    simulations.view(state)  # warm up: imports and the first model build
    simulate, draw = [], []
    for edit in range(EDITS):
        edited = st.with_parameter(state, "model.weight_abandonment", 0.40 + 0.01 * edit)
        started = time.perf_counter()
        view = simulations.view(edited)
        simulated = time.perf_counter()
        for fig in (
            figures.headline_figure(view),
            figures.timeline_figure(edited, view),
            figures.domains_figure(view),
            figures.explain_figure(st.explain_at(view, 20)),
        ):
            fig.to_json()
        simulate.append(simulated - started)
        draw.append(time.perf_counter() - simulated)
    total = [a + b for a, b in zip(simulate, draw, strict=True)]
    sim, fig, all_ = (statistics.median(x) for x in (simulate, draw, total))
    print(
        f"explore edit, {REPLICATES} replicates x 40 quarters with twin: simulate median {sim:.3f} s, "
        f"figures median {fig:.3f} s, total median {all_:.3f} s (max {max(total):.3f} s; budget {BUDGET:g} s)"
    )
    return 0 if statistics.median(total) <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
