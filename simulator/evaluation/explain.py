"""Why cooperation moved: each mechanism's share of a run's change, and the shocks' share.

Realised EU–JPN cooperation in a domain moves toward a *target*, the lower of the
two partners' desires, and each desire is an intercept plus one additive term per
mechanism (docs/ODD.md §4). So the change of cooperation since the first recorded
quarter splits exactly, in every replicate, domain and quarter t, into

    coop(t) - coop(0) =  sum over mechanisms m of [x_m(t) - x_m(0)]      (what each mechanism did)
                       + [lag(t) - lag(0)]                              (inertia and agreements)
                       + remainder                                      (limits and the less willing side)

where x_m are the terms of the partner whose desire binds at t (the same partner's
terms at step 0 give the reference), ``lag = coop - target`` is how far realised
cooperation trails its target (or is held above it by agreement floors), and the
remainder is what clipping desire to 0–1 and a change of the binding partner add.
These are levels, not accumulated quarterly flows: a mechanism that moves once and
stays moved keeps the same contribution, and at a new equilibrium the lag is back
where it started.

Mechanisms say *how* cooperation moved, not *what set it moving*: a US
retrenchment acts through abandonment fear, a Taiwan crisis through common threat.
To show the shocks as well, the run is paired with its **no-shock twin**: the same
scenario, seed and replicates with the shocks removed, so both see the same random
draws (common random numbers). The explanation is then the twin's decomposition plus
the **shocks' contribution** ``coop(t) - coop_twin(t)``, the paired difference the
shocks made; that difference splits in turn by the channel it went through (the
same three parts, taken between run and twin). Everything adds up exactly to the
simulated change in every replicate and quarter (tested).

Both the run and its twin are simulated afresh (result folders keep no desire
terms); :func:`~simulator.runs.run_folder.rerun` refuses if the model no longer
reproduces the saved numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError, clip, near_miss
from simulator.core.structure import DOMAINS, GUARANTOR, HEADLINE_PAIR, PAIRS
from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.labels import sentence, series_label
from simulator.runs.constants import HeldConstant, agreement_floors, constant_value, is_agreement_floor
from simulator.runs.results import INTERVAL, RunResult
from simulator.runs.run_folder import RunFolder, open_run, rerun
from simulator.runs.run_size import check_run_fits
from simulator.storage.output import atomic_folder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from simulator.core.recorder import PairHistory
    from simulator.core.shocks import Shock

HEADLINE = f"coop_{HEADLINE_PAIR}"
CATEGORIES: dict[str, str] = {
    "common_threat": "common threat",
    "abandonment_fear": "abandonment fear",
    "values": "shared values",
    "capability": "partner capability",
    "constraints": "domestic constraints",
    "exposure": "exposure to coercion",
    "deference": "deference to the US",
    "rivalry": "rivalry",
    "inertia": "inertia and agreements",
    "limits": "limits and the less willing side",
}
"""Mechanism categories of an explanation, key -> words.

The first eight are the desire terms the model records (:data:`MECHANISMS` without its
two adjustment drivers); ``inertia`` is the change in how far realised cooperation
trails its target or is held above it by agreement floors; ``limits`` is what clipping
desire to 0–1 and a change of the less willing partner add.
"""
SHOCKS = "shocks"
"""Category of the shocks' own contribution: the paired difference from the no-shock twin."""
CATEGORY_LABELS = {**CATEGORIES, SHOCKS: "the shocks"}
ALLIANCE_PULL = "US commitment (alliance pull)"
"""Words for the ``abandonment_fear`` slot in a pair with the US: there it holds the pull of US
theatre commitment on the alliance (``model.weight_alliance`` times commitment), not fear."""


def category_labels(pair: str) -> dict[str, str]:
    """Each category in words for explaining ``pair``."""
    labels = dict(CATEGORY_LABELS)
    if GUARANTOR in pair.split("_"):
        labels["abandonment_fear"] = ALLIANCE_PULL
    return labels


@dataclass(frozen=True)
class Group:
    """A plain-words category that the figure and sentences use, made of one or more mechanism categories.

    Attributes:
        label: The category in words.
        members: Keys of :data:`CATEGORIES` it adds up.
        meaning: One line on what it is, for the glossary.
    """

    label: str
    members: tuple[str, ...]
    meaning: str


GROUPS: dict[str, Group] = {
    "threats": Group(
        "shared threats and rivals",
        ("common_threat", "exposure", "rivalry"),
        "threats both partners face, held back by trade exposure to a coercing challenger and by rivalry "
        "across the camps",
    ),
    "us_leaving": Group(
        "fear the US leaves",
        ("abandonment_fear",),
        "each partner's fear that the US will not stand by it, which draws the two partners together",
    ),
    "washington": Group(
        "regard for Washington",
        ("deference",),
        "Japan holding back from a partner whose ties with Washington are weaker than its own",
    ),
    "limits": Group(
        "domestic and legal limits",
        ("constraints",),
        "constitutional and treaty limits, unstable governments and fear of being drawn into the other's "
        "conflicts, strongest in hard domains",
    ),
    "habit": Group(
        "agreements, habit and the rest",
        ("inertia", "limits", "values", "capability"),
        "cooperation trailing its target or held up by agreements, shared values, what the partner can offer, "
        "and the clipping of desire to 0–1",
    ),
}
"""The plain categories, key -> group: few enough to read in one chart (five, plus the shocks).

Every mechanism category belongs to exactly one group; the per-mechanism numbers stay in
``totals.csv``, ``shock_channels.csv`` and ``contributions.csv`` (each row names its group).
"""
GROUP_OF = {member: key for key, group in GROUPS.items() for member in group.members}
ALLIANCE_GROUP = Group(
    "US commitment (alliance pull)",
    ("abandonment_fear",),
    "in a pair with the US: the pull of US theatre commitment on the alliance (the slot of abandonment fear)",
)


def groups_for(pair: str) -> dict[str, Group]:
    """The plain categories for explaining ``pair`` (with the US, fear of its leaving is its commitment's pull)."""
    if GUARANTOR in pair.split("_"):
        return {**GROUPS, "us_leaving": ALLIANCE_GROUP}
    return dict(GROUPS)


def glossary(pair: str = HEADLINE_PAIR) -> list[str]:
    """One line per plain category: what it is and which model mechanisms (docs/ODD.md §4) it groups."""
    lines = []
    for group in groups_for(pair).values():
        names = ", ".join(CATEGORIES[m] for m in group.members)
        lines.append(f"- {group.label}: {group.meaning} (mechanisms: {names}).")
    lines.append(
        "- the shocks: the run minus the same worlds without the shocks (its no-shock twin), "
        "split by the categories above."
    )
    return lines


WINDOW = 4
"""Quarters in the window that says *when* a category did most of its work (one year)."""
NEGLIGIBLE = 0.005
"""Totals smaller than this (on the 0–1 scale) are not worth a sentence."""


@dataclass(frozen=True)
class Target:
    """What an explanation is about: a pair's cooperation, in one domain or averaged over domains.

    Attributes:
        pair: The pair, e.g. ``EU_JPN`` (members in the order of ``structure.ACTORS``).
        domain: A domain, or None for the mean over domains.
    """

    pair: str
    domain: str | None = None

    @property
    def series(self) -> str:
        """The series name: ``coop_<pair>`` or ``coop_<pair>_<domain>``."""
        return f"coop_{self.pair}" if self.domain is None else f"coop_{self.pair}_{self.domain}"

    @property
    def saved_series(self) -> tuple[str, ...]:
        """Saved series to check a new run against (run folders keep domains for EU–JPN only)."""
        checks = [HEADLINE, f"coop_{self.pair}"]
        if self.pair == HEADLINE_PAIR and self.domain is not None:
            checks.append(self.series)
        return tuple(dict.fromkeys(checks))


def explanation_target(metric: str = HEADLINE, domain: str | None = None) -> Target:
    """Read ``--metric`` (and ``--domain``) as the pair and domain to explain.

    Any pair's cooperation can be explained, in aggregate (``coop_EU_USA``, the mean over
    domains) or in one domain (``coop_EU_USA_maritime``, or ``--domain maritime``).

    Raises:
        UserError: for a series that is not a pair's cooperation, or an unknown domain, naming the choices.
    """
    pair, named = _pair_and_domain(metric)
    if named is not None:
        if domain is not None and domain != named:
            raise UserError(
                f"--metric {metric} already names the domain '{clip(named)}', but --domain says '{clip(domain)}'; "
                "give one of them",
                field="--domain",
            )
        domain = named
    if domain is not None and domain not in DOMAINS:
        raise UserError(
            f"unknown domain '{clip(domain)}'{near_miss(domain, DOMAINS)} Domains: {', '.join(DOMAINS)}",
            field="--domain",
        )
    return Target(pair, domain)


def _pair_and_domain(metric: str) -> tuple[str, str | None]:
    """Split ``coop_<A>_<B>[_<domain>]`` into the pair and the domain (None if not named)."""
    choices = [f"coop_{p}" for p in PAIRS] + [f"coop_{p}_{d}" for p in PAIRS for d in DOMAINS]
    parts = metric.split("_")
    if len(parts) >= 3 and parts[0] == "coop":
        pair = f"{parts[1]}_{parts[2]}"
        if pair in PAIRS:
            return pair, ("_".join(parts[3:]) or None)
    raise UserError(
        f"explain splits a pair's cooperation, so --metric must be coop_<A>_<B> or coop_<A>_<B>_<domain> "
        f"(e.g. {HEADLINE}, coop_EU_USA), not '{clip(metric)}'{near_miss(metric, choices)}",
        field="--metric",
    )


@dataclass(frozen=True)
class Levels:
    """Per-world decomposition of one run's cooperation levels (domains kept apart).

    Attributes:
        coop: (steps + 1, W, D) realised cooperation of the pair.
        target: (steps + 1, W, D) lower of the two desires.
        binding: (steps + 1, W, D) which member's desire is the target (0 the pair's first, 1 its second).
        terms: (steps + 1, W, mechanisms, D) desire terms of the binding member.
    """

    coop: np.ndarray
    target: np.ndarray
    binding: np.ndarray
    terms: np.ndarray

    @classmethod
    def of(cls, history: PairHistory) -> Levels:
        """Read the levels from a run's pair history."""
        desires = history.desires  # (S, W, 2, D)
        binding = (desires[:, :, 1] < desires[:, :, 0]).astype(int)
        return cls(
            coop=history.coop,
            target=desires.min(axis=2),
            binding=binding,
            terms=side_terms(history.terms, binding),
        )

    @property
    def lag(self) -> np.ndarray:
        """(steps + 1, W, D) realised cooperation minus its target."""
        return self.coop - self.target


def side_terms(terms: np.ndarray, binding: np.ndarray) -> np.ndarray:
    """(steps + 1, W, mechanisms, D) terms of partner ``binding[t, w, d]`` from (steps + 1 or 1, W, 2, M, D) terms.

    Given only step 0's terms, each quarter gets the step-0 terms of the partner that binds
    then: the reference a mechanism's change is measured from.
    """
    terms = np.broadcast_to(terms, (binding.shape[0], *terms.shape[1:]))
    return np.take_along_axis(terms, binding[:, :, None, None, :], axis=2)[:, :, 0]


def _split(
    terms: np.ndarray,
    reference: np.ndarray,
    target: np.ndarray,
    target_ref: np.ndarray,
    lag: np.ndarray,
    lag_ref: np.ndarray,
) -> np.ndarray:
    """(steps + 1, W, mechanism categories, D): term changes, then inertia, then the remainder.

    The three parts add up to ``(target - target_ref) + (lag - lag_ref)`` exactly.
    """
    mechanisms = terms - reference
    remainder = (target - target_ref) - mechanisms.sum(axis=2)
    return np.concatenate([mechanisms, (lag - lag_ref)[:, :, None], remainder[:, :, None]], axis=2)


def _over_domains(parts: np.ndarray, domain: str | None) -> np.ndarray:
    """Parts of one domain, or their mean over domains (the aggregate series is the domains' mean)."""
    return parts.mean(axis=-1) if domain is None else parts[..., DOMAINS.index(domain)]


def no_shock_twin(result: RunResult) -> RunResult:
    """The same scenario, seed and replicates with every shock removed, keeping details and desire terms.

    Without shocks the twin is the run itself.
    """
    from simulator.runs.runner import simulate_twin

    return simulate_twin(result, keep_details=True, explained_pair=_kept_pair(result)) or result


def _kept_pair(result: RunResult) -> str | None:
    """The pair whose history a run kept, if any."""
    return result.pair_history.pair if result.pair_history else None


@dataclass(frozen=True)
class Explanation:
    """Mechanism and shock contributions to one run's change in a pair's cooperation.

    Attributes:
        result: The run explained.
        target: The pair and domain explained.
        parts: (steps + 1, worlds, categories) each category's contribution to the change since
            step 0, in the order of :data:`CATEGORIES` followed by :data:`SHOCKS`; step 0 is all zeros.
        channels: (steps + 1, worlds, categories without shocks) the shocks' contribution
            split by the mechanism it acted through.
        level: (steps + 1, worlds) the explained series.
    """

    result: RunResult
    target: Target
    parts: np.ndarray
    channels: np.ndarray
    level: np.ndarray

    @property
    def series(self) -> str:
        """The explained series, e.g. ``coop_EU_JPN`` or ``coop_EU_USA_maritime``."""
        return self.target.series

    @property
    def domain(self) -> str | None:
        """The explained domain, None for the mean over domains."""
        return self.target.domain

    @property
    def change(self) -> np.ndarray:
        """(steps + 1, worlds) simulated change of the series since step 0."""
        return self.level - self.level[0]

    @property
    def categories(self) -> list[str]:
        """Keys of the contribution categories, in the order of ``parts``' last axis."""
        return [*CATEGORIES, SHOCKS]

    @property
    def channel_categories(self) -> list[str]:
        """Keys of the mechanisms the shocks acted through, in the order of ``channels``' last axis."""
        return list(CATEGORIES)

    @property
    def shock_category(self) -> str:
        """Key of the shocks' own contribution among :attr:`categories`."""
        return SHOCKS

    @property
    def labels(self) -> dict[str, str]:
        """Each category in words (see :func:`category_labels`)."""
        return category_labels(self.target.pair)

    @property
    def group_keys(self) -> list[str]:
        """Keys of the plain categories (:data:`GROUPS`) followed by :data:`SHOCKS`: ``group_parts``' last axis."""
        return [*GROUPS, SHOCKS]

    @property
    def channel_group_keys(self) -> list[str]:
        """Keys of the plain categories the shocks acted through: ``group_channels``' last axis."""
        return list(GROUPS)

    @property
    def group_labels(self) -> dict[str, str]:
        """Each plain category in words (with the US in the pair, its fear slot is the alliance pull)."""
        return {**{k: g.label for k, g in groups_for(self.target.pair).items()}, SHOCKS: CATEGORY_LABELS[SHOCKS]}

    @property
    def group_parts(self) -> np.ndarray:
        """(steps + 1, worlds, groups + shocks) :attr:`parts` added up into the plain categories."""
        return np.concatenate([_grouped(self.parts[..., :-1]), self.parts[..., -1:]], axis=-1)

    @property
    def group_channels(self) -> np.ndarray:
        """(steps + 1, worlds, groups) :attr:`channels` added up into the plain categories."""
        return _grouped(self.channels)

    @property
    def glossary(self) -> list[str]:
        """One line per plain category: what it is and which mechanisms it groups."""
        return glossary(self.target.pair)

    @property
    def has_shocks(self) -> bool:
        """Whether the scenario has shocks (otherwise the shocks' contribution is zero)."""
        return bool(self.result.scenario.shocks)

    @property
    def title(self) -> str:
        """The explained series in words."""
        return series_label(self.series)

    @property
    def held_constant(self) -> HeldConstant | None:
        """The explained series as a constant, when it is one number in every world and quarter; else None.

        Its parts then cancel exactly: whatever moved the members' desires, the series stayed put
        (at its agreement floor, across the camps), so there is no movement to explain.
        """
        value = constant_value(self.level)
        if value is None:
            return None
        floor = agreement_floors(self.result.scenario)[self.target.pair]
        at_floor = self.domain is None and is_agreement_floor(value, floor)
        return HeldConstant(self.series, value, at_floor)

    @property
    def constant_note(self) -> str:
        """The sentence that says the series is held constant and its parts cancel ('' when it moves)."""
        held = self.held_constant
        if held is None:
            return ""
        floor = " at its agreement floor" if held.at_floor else ""
        return (
            f"{sentence(self.title)} is held constant{floor} in every world and quarter, at {held.value + 0.0:.3g}: "
            "not a result. Its parts cancel exactly: whatever moved its members' desires, the series "
            "stayed where it was, so there is no movement to explain."
        )

    # -- tables ---------------------------------------------------------------

    @property
    def totals(self) -> pd.DataFrame:
        """Each category's total contribution over the run: mean and 90% interval over replicates."""
        return _stats_table(self.parts[-1], self.categories, self.labels)

    @property
    def channel_totals(self) -> pd.DataFrame:
        """The shocks' total contribution split by the mechanism it acted through."""
        return _stats_table(self.channels[-1], self.channel_categories, self.labels)

    @property
    def group_totals(self) -> pd.DataFrame:
        """:attr:`totals` in the plain categories (what the figure stacks)."""
        return self.group_totals_at(-1)

    def group_totals_at(self, step: int) -> pd.DataFrame:
        """:attr:`group_totals` up to ``step``: each plain category's contribution to the change since step 0."""
        return _stats_table(self.group_parts[step], self.group_keys, self.group_labels, grouped=False)

    @property
    def group_channel_totals(self) -> pd.DataFrame:
        """:attr:`channel_totals` in the plain categories."""
        return _stats_table(self.group_channels[-1], self.channel_group_keys, self.group_labels, grouped=False)

    @property
    def contributions(self) -> pd.DataFrame:
        """Contribution to the change so far, per quarter and category (long table), with the simulated change."""
        labels = self.result.quarter_labels
        frames = []
        for index, key in enumerate([*self.categories, "simulated_change"]):
            data = self.change if key == "simulated_change" else self.parts[..., index]
            frames.append(
                pd.DataFrame(
                    {
                        "step": self.result.steps,
                        "quarter": labels,
                        "category": key,
                        "group": GROUP_OF.get(key, key),
                        "mean": data.mean(axis=1),
                        "p5": np.percentile(data, INTERVAL[0], axis=1),
                        "p95": np.percentile(data, INTERVAL[1], axis=1),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    # -- words ------------------------------------------------------------------

    @property
    def sentences(self) -> list[str]:
        """A few sentences generated from the numbers: how much it moved, what moved it, when, after what."""
        return _sentences(self)

    def text(self) -> str:
        """The sentences as one paragraph per line, then the glossary of categories, for the terminal."""
        return "\n".join([*self.sentences, "", "Categories:", *self.glossary])

    # -- output -------------------------------------------------------------------

    def plot(self, path: Path, formats: Sequence[str] = DEFAULT_FORMATS) -> list[str]:
        """Draw the stacked contributions over time (and the shocks' channels) in each of ``formats``.

        Each file is ``path`` with the format's suffix (PNG by default). Returns the top panel's legend.
        """
        from simulator.presentation.explain_plots import plot_contributions

        return plot_contributions(self, Path(path), formats)

    def save(
        self,
        out: str | Path,
        *,
        force: bool = False,
        renumber: bool = False,
        plot_formats: Sequence[str] = DEFAULT_FORMATS,
    ) -> Path:
        """Write the explanation folder atomically and return its path.

        Files: ``explanation.md`` (sentences and totals), ``totals.csv``,
        ``shock_channels.csv``, ``contributions.csv`` and ``contributions.png`` (or ``.svg``, ``.pdf``:
        one file per format of ``plot_formats``, which ``explain.json`` lists). ``renumber`` as in
        :func:`simulator.storage.output.atomic_folder`.
        """
        writer = atomic_folder(Path(out), "explain", force=force, renumber=renumber)
        with writer as tmp:
            (tmp / "explanation.md").write_text(self.markdown(), encoding="utf-8")
            self.totals.to_csv(tmp / "totals.csv", index=False, float_format="%.6g")
            self.channel_totals.to_csv(tmp / "shock_channels.csv", index=False, float_format="%.6g")
            self.contributions.to_csv(tmp / "contributions.csv", index=False, float_format="%.6g")
            self.plot(tmp / "contributions.png", plot_formats)
            meta = {
                "series": self.series,
                "plot_formats": list(plot_formats),
                "pair": self.target.pair,
                "domain": self.domain,
                "scenario": self.result.scenario.name,
                "groups": {
                    key: {"label": g.label, "mechanisms": list(g.members), "meaning": g.meaning}
                    for key, g in groups_for(self.target.pair).items()
                },
            }
            (tmp / "explain.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return writer.destination

    def markdown(self) -> str:
        """The explanation as a short Markdown page: sentences, then the totals table."""
        lines = [f"# Why {self.title} moved — scenario: {self.result.scenario.name}", ""]
        lines += [*self.sentences, ""]
        lines += ["| contribution to the change from start to end | mean | 90% interval |", "|---|---:|---|"]
        for row in self.group_totals.itertuples():
            lines.append(f"| {row.label} | {row.mean:+.3f} | {row.p5:+.3f} to {row.p95:+.3f} |")
        if self.has_shocks:
            lines += ["", "| the shocks' effect, through | mean | 90% interval |", "|---|---:|---|"]
            for row in self.group_channel_totals.itertuples():
                lines.append(f"| {row.label} | {row.mean:+.3f} | {row.p5:+.3f} to {row.p95:+.3f} |")
        lines += ["", "Categories (per-mechanism numbers in totals.csv and shock_channels.csv):", "", *self.glossary]
        return "\n".join(lines) + "\n"


def _stats_table(values: np.ndarray, keys: list[str], labels: dict[str, str], *, grouped: bool = True) -> pd.DataFrame:
    """Mean and 90% interval over replicates of (worlds, categories) totals.

    With ``grouped``, each mechanism row also names its plain category, so the per-mechanism
    numbers can be added up to the ones the figure shows.
    """
    frame = pd.DataFrame({"category": keys, "label": [labels[k] for k in keys]})
    if grouped:
        frame["group"] = [GROUP_OF.get(k, k) for k in keys]
    frame["mean"] = values.mean(axis=0)
    frame["p5"] = np.percentile(values, INTERVAL[0], axis=0)
    frame["p95"] = np.percentile(values, INTERVAL[1], axis=0)
    return frame


def _grouped(values: np.ndarray) -> np.ndarray:
    """(…, mechanism categories) -> (…, groups): each plain category the sum of its members."""
    order = list(CATEGORIES)
    return np.stack([values[..., [order.index(m) for m in g.members]].sum(axis=-1) for g in GROUPS.values()], axis=-1)


def explain(
    result: RunResult, *, metric: str = HEADLINE, domain: str | None = None, twin: RunResult | None = None
) -> Explanation:
    """Explain the change of a pair's cooperation in a run by mechanism and by shocks.

    Args:
        result: A run; simulated again with desire terms if it did not keep them.
        metric: A pair's cooperation, ``coop_<A>_<B>`` or ``coop_<A>_<B>_<domain>``.
        domain: A domain, instead of naming it in ``metric``.
        twin: The no-shock twin with desire terms, if already simulated (see :func:`no_shock_twin`).

    Example:
        >>> from simulator import run  # doctest: +SKIP
        >>> print(explain(run("scenarios/us_retrenchment.yaml")).text())  # doctest: +SKIP
    """
    target = explanation_target(metric, domain)
    if _kept_pair(result) != target.pair:
        from simulator.runs.runner import simulate

        result = simulate(result.scenario, replicates=result.replicates, explained_pair=target.pair)
    if twin is None or _kept_pair(twin) != target.pair:
        twin = no_shock_twin(result)
    history, twin_history = result.pair_history, twin.pair_history
    assert history is not None and twin_history is not None  # both simulated with the pair's history above
    run, alone = Levels.of(history), Levels.of(twin_history)
    first = slice(0, 1)
    mechanisms = _split(
        alone.terms,
        side_terms(twin_history.terms[first], alone.binding),
        alone.target,
        alone.target[first],
        alone.lag,
        alone.lag[first],
    )
    shocks = (run.coop - alone.coop)[:, :, None]
    channels = _split(
        run.terms, side_terms(twin_history.terms, run.binding), run.target, alone.target, run.lag, alone.lag
    )
    parts = np.concatenate([mechanisms, shocks], axis=2)
    return Explanation(
        result=result,
        target=target,
        parts=_over_domains(parts, target.domain),
        channels=_over_domains(channels, target.domain),
        level=_over_domains(run.coop, target.domain),
    )


def explain_run(folder: str | Path | RunFolder, *, metric: str = HEADLINE, domain: str | None = None) -> Explanation:
    """Explain a saved run: simulate it again (checked against the saved numbers) and its twin."""
    target = explanation_target(metric, domain)
    saved = folder if isinstance(folder, RunFolder) else open_run(folder)
    recorded = saved.manifest.get("replicates")  # the saved worlds; the scenario's number if the manifest lacks it
    worlds = recorded if isinstance(recorded, int) and not isinstance(recorded, bool) else saved.scenario.replicates
    check_run_fits(worlds, saved.scenario.horizon, explained=True, file=saved.path, what="explaining a run")
    result = rerun(saved, check=target.saved_series, explained_pair=target.pair)
    return explain(result, metric=target.series)


# -- sentences ------------------------------------------------------------------
#
# Every number in a sentence names the change it is part of: the change from start to end,
# or the shocks' effect against the same worlds without them. The verb follows the sign
# (positive: raised, pushed up; negative: lowered, pulled down), so the words never
# contradict the number next to them.


@dataclass(frozen=True)
class Mover:
    """One category's path in words: its largest mean contribution, when, and where it ended."""

    key: str
    label: str
    peak_step: int
    peak: float
    peak_low: float
    peak_high: float
    final: float
    final_low: float
    final_high: float

    @property
    def transient(self) -> bool:
        """Whether it ended well short of its peak (a temporary effect)."""
        return abs(self.final) < 0.8 * abs(self.peak)

    @property
    def start_transient(self) -> bool:
        """Whether it peaked within the first year and then faded: the model settling from its start."""
        return self.transient and self.peak_step <= WINDOW and abs(self.peak) >= NEGLIGIBLE


def movers(explanation: Explanation, *, channels: bool = False) -> list[Mover]:
    """Every plain category, largest mean contribution (at any quarter) first.

    Args:
        explanation: The explanation.
        channels: Rank the shocks' effect split by category instead of the change since step 0.
    """
    values = explanation.group_channels if channels else explanation.group_parts
    keys = explanation.channel_group_keys if channels else explanation.group_keys
    paths = values.mean(axis=1)  # (steps + 1, categories)
    found = []
    for index, key in enumerate(keys):
        step = int(np.argmax(np.abs(paths[:, index])))
        low, high = np.percentile(values[step, :, index], INTERVAL)
        end_low, end_high = np.percentile(values[-1, :, index], INTERVAL)
        found.append(
            Mover(
                key,
                explanation.group_labels[key],
                step,
                float(paths[step, index]),
                float(low),
                float(high),
                float(paths[-1, index]),
                float(end_low),
                float(end_high),
            )
        )
    return sorted(found, key=lambda m: -abs(m.peak))


def raised(value: float) -> str:
    """``raised`` or ``lowered``, as the sign of ``value`` says."""
    return "raised" if value >= 0 else "lowered"


def by(value: float) -> str:
    """``raised it by 0.024`` or ``lowered it by 0.024``: the verb carries the sign, so the number is a size.

    Written with a sign after a verb of direction, a fall would read "lowered it by -0.024", which
    says the opposite to a reader who takes the minus at its word. A number that stands alone
    (an interval, a cumulative total) keeps its sign.
    """
    return f"{raised(value)} it by {abs(value):.3f}"


def by_up_to(value: float) -> str:
    """``raised it by up to 0.024``: :func:`by` for a peak."""
    return f"{raised(value)} it by up to {abs(value):.3f}"


def _sentences(explanation: Explanation) -> list[str]:
    if explanation.constant_note:
        return [explanation.constant_note]
    result = explanation.result
    labels = result.quarter_labels
    values = explanation.level
    start, final = values[0].mean(), values[-1].mean()
    low, high = np.percentile(values[-1], INTERVAL)
    change = explanation.change[-1]
    change_low, change_high = np.percentile(change, INTERVAL)
    verb = "rose" if final - start > NEGLIGIBLE else "fell" if start - final > NEGLIGIBLE else "held steady"
    lines = [
        f"{sentence(explanation.title)} {verb} from {start:.2f} in {labels[0]} to {final:.2f} in {labels[-1]} "
        f"(90% of replicates between {low:.2f} and {high:.2f}), a change of {change.mean():+.3f} "
        f"(90% interval {change_low:+.3f} to {change_high:+.3f})."
    ]
    ranked = movers(explanation)
    if explanation.has_shocks:
        shocks = next(m for m in ranked if m.key == SHOCKS)
        lines.append(_shocks_sentence(explanation, shocks))
        if abs(shocks.peak) >= NEGLIGIBLE:
            lines.append(_when_sentence(explanation, shocks))
    else:
        lines.append("The scenario has no shocks: every movement comes from the mechanisms and random episodes.")
    mechanisms = [m for m in ranked if m.key != SHOCKS]
    lines.append(_mechanisms_sentence(explanation, mechanisms))
    settling = [m for m in mechanisms if m.start_transient]
    if settling:
        lines.append(_start_sentence(explanation, settling))
    return lines


def _interval(low: float, high: float) -> str:
    return f"90% interval {low:+.3f} to {high:+.3f}"


def _shocks_sentence(explanation: Explanation, shocks: Mover) -> str:
    """What the shocks did: their effect against the twin, with the verb of its sign, and its channels."""
    labels = explanation.result.quarter_labels
    names = ", ".join(s.name for s in explanation.result.scenario.shocks)
    head = f"Against the same worlds without the shocks ({names}), the shocks"
    if abs(shocks.peak) < NEGLIGIBLE:
        return f"{head} changed it by less than ±{NEGLIGIBLE} at any time ({shocks.final:+.3f} by {labels[-1]})."
    low, high = (shocks.peak_low, shocks.peak_high) if shocks.transient else (shocks.final_low, shocks.final_high)
    noise = " — within noise, as its 90% interval includes zero" if low <= 0 <= high else ""
    if shocks.transient:
        amount = (
            f"{by_up_to(shocks.peak)} in {labels[shocks.peak_step]} "
            f"({_interval(shocks.peak_low, shocks.peak_high)}); their effect by {labels[-1]} was "
            f"{shocks.final:+.3f}"
        )
    else:
        amount = f"{by(shocks.final)} by {labels[-1]} ({_interval(shocks.final_low, shocks.final_high)})"
    step = shocks.peak_step if shocks.transient else len(labels) - 1
    at = " at its largest" if shocks.transient else ""
    return f"{head} {amount}{noise}{_channels(explanation, step, at)}."


def _channels(explanation: Explanation, step: int, at_words: str = "") -> str:
    """``; of that effect, A pushed up (by x) and B pulled down (by y)``: its two largest channels at ``step``.

    The verb says the direction, so each number is a size (see :func:`by`).
    """
    at = explanation.group_channels[step].mean(axis=0)
    keys = explanation.channel_group_keys
    order = np.argsort(-np.abs(at), kind="stable")[:2]
    named = [
        f"{explanation.group_labels[keys[i]]} {'pushed up' if at[i] > 0 else 'pulled down'} (by {abs(at[i]):.3f})"
        for i in order
        if abs(at[i]) > 0.001
    ]
    return f"; of that effect{at_words}, {' and '.join(named)}" if named else ""


def _mechanisms_sentence(explanation: Explanation, mechanisms: list[Mover]) -> str:
    """The largest push up and pull down of the change from start to end (without the shocks, when any)."""
    labels = explanation.result.quarter_labels
    change = f"the change from {labels[0]} to {labels[-1]}"
    where = f"In the same worlds without the shocks, of {change}" if explanation.has_shocks else f"Of {change}"
    ups = [m for m in mechanisms if m.final >= NEGLIGIBLE]
    downs = [m for m in mechanisms if m.final <= -NEGLIGIBLE]
    if not ups and not downs:
        return f"{where}, no category moved it by more than ±{NEGLIGIBLE}."
    said = []
    for found, word in ((ups, "push up"), (downs, "pull down")):
        if found:
            top = max(found, key=lambda m: abs(m.final))
            said.append(
                f"the largest {word} came from {top.label}, which {by(top.final)} "
                f"({_interval(top.final_low, top.final_high)})"
            )
    return f"{where}, {' and '.join(said)}."


def _start_sentence(explanation: Explanation, settling: list[Mover]) -> str:
    """Say that categories which peaked in the first year and faded are the model settling from its start.

    Every forward run opens with such a spin-up (the starting values are not an equilibrium), so
    its large early numbers must not read as what the scenario did.
    """
    labels = explanation.result.quarter_labels
    said = [
        f"{m.label} {by_up_to(m.peak)} in {labels[m.peak_step]} (standing at {m.final:+.3f} by {labels[-1]})"
        for m in settling
    ]
    return (
        f"At the start, {' and '.join(said)}: that is the model settling from its starting values "
        "(the spin-up every run goes through), not something this scenario does."
    )


def _when_sentence(explanation: Explanation, top: Mover) -> str:
    """The year in which the shocks' effect moved most toward its peak, and the latest shock before that year ended."""
    path = explanation.group_parts[: top.peak_step + 1, :, explanation.group_keys.index(top.key)].mean(axis=1)
    width = min(WINDOW, len(path) - 1)
    if width < 1:
        return f"The shocks' effect was largest in {explanation.result.quarter_labels[top.peak_step]}."
    moves = path[width:] - path[:-width]
    first = int(np.argmax(moves * np.sign(top.peak)))
    last = first + width
    labels = explanation.result.quarter_labels
    span = labels[last] if first + 1 == last else f"{labels[first + 1]} to {labels[last]}"
    text = f"The shocks' effect changed most {'in' if first + 1 == last else 'from'} {span} ({moves[first]:+.3f})"
    shock = _latest_shock(explanation, last)
    if shock is None:
        return f"{text}, before any shock."
    return f"{text}, after {shock.name} began in {quarter_label(shock.at)}."


def _latest_shock(explanation: Explanation, last: int) -> Shock | None:
    """The shock with the latest onset at or before step ``last``."""
    start = explanation.result.scenario.start
    candidates = [s for s in explanation.result.scenario.shocks if s.at - start + 1 <= last]
    return max(candidates, key=lambda s: s.at) if candidates else None
