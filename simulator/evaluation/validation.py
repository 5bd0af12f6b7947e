"""Pattern-oriented validation: the ten patterns of docs/ODD.md §1.2 as measurable checks.

Each pattern is a small class whose docstring quotes the source it comes from. A
pattern runs the scenarios it needs (cached, so the baseline runs once), measures
one or more effects per replicate and turns each into a :class:`Check`: the
effect's mean over replicates with a 95% bootstrap interval over replicates, and
a claimed direction. A check passes only if the whole interval lies on the
claimed side of zero, so the effect must exceed the replicate noise.

Comparisons between a shock scenario and the baseline are paired: both files use
the same seed, so replicate r of each receives the same random numbers (common
random numbers, see docs/ODD.md §7.12) and most sampling noise cancels in the
per-replicate difference.

The same code serves the test suite (``tests/test_patterns.py``) and the
generated report ``docs/validation.md`` (``make validate``), so the report can
only show what the tests check.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal, override

import numpy as np

from simulator.base.calendar import parse_quarter, quarter_year
from simulator.core.mechanisms.spending import policy_path
from simulator.core.structure import DOMAIN_LABELS, DOMAINS, SMALLEST_INDEX_EFFECT
from simulator.evaluation.history_fit import CUT_POINTS, year_rows
from simulator.evaluation.paired import BOOTSTRAP_DRAWS, CONFIDENCE
from simulator.inputs.calibration import default_calibration
from simulator.runs.results import RunResult
from simulator.runs.runner import resolve, simulate

HEADLINE = "coop_EU_JPN"

Kind = Literal["validation", "verification", "calibration"]
"""What a check can tell a reader.

- ``validation``: the model reproduces something that was not put into it; the effect emerges
  from mechanisms acting together (a net of opposing pulls, a feedback loop).
- ``verification``: the code does what the ODD says; the effect follows from an ordering or
  a rule given as input (hardness, salience, relevance, a floor, a shock's own effect), so it
  shows the mechanism works, not that the model is right.
- ``calibration``: inputs were adjusted until the check held (the backcast's targets); passing
  it is a condition of the calibration, not evidence.
"""

INDEX_REASON = "a 0–1 index"


@dataclass(frozen=True)
class Estimate:
    """A statistic over replicates with its bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:+.4f} [{self.low:+.4f}, {self.high:+.4f}]"


def bootstrap(statistic: Callable[[np.ndarray], float], n_replicates: int, seed: int = 0) -> Estimate:
    """Percentile bootstrap of ``statistic`` over replicates.

    Args:
        statistic: Maps an array of replicate indices (drawn with replacement) to a number.
            Paired runs are resampled with the same indices, which keeps the pairing.
        n_replicates: Number of replicates available.
        seed: Seed of the resampling, fixed so that a report is reproducible.
    """
    if n_replicates == 1:
        # Every resample is replicate 0 itself, so every draw is the value: the interval is that point.
        # Answering at once gives the same numbers without 2,000 calls of the statistic, which the
        # joint-range evaluation (one mean path per design point) would otherwise pay at every point.
        value = float(statistic(np.arange(1)))
        return Estimate(value=value, low=value, high=value)
    rng = np.random.default_rng(seed)
    draws = np.array([statistic(rng.integers(0, n_replicates, n_replicates)) for _ in range(BOOTSTRAP_DRAWS)])
    tail = (1.0 - CONFIDENCE) / 2.0
    return Estimate(
        value=float(statistic(np.arange(n_replicates))),
        low=float(np.quantile(draws, tail)),
        high=float(np.quantile(draws, 1.0 - tail)),
    )


def mean_of(values: np.ndarray) -> Callable[[np.ndarray], float]:
    """Statistic: the mean of per-replicate ``values`` over the resampled replicates."""
    return lambda idx: float(values[idx].mean())


@dataclass(frozen=True)
class Check:
    """One measured claim of a pattern.

    Attributes:
        claim: The claim in words.
        measure: How the effect is measured (variables, quarters, comparison).
        estimate: Effect with its 95% interval over replicates.
        direction: +1 if the claim is that the effect is positive, -1 if negative.
    """

    claim: str
    measure: str
    estimate: Estimate
    direction: int = 1
    kind: Kind = "verification"
    threshold: float = SMALLEST_INDEX_EFFECT
    threshold_reason: str = INDEX_REASON

    @property
    def margin(self) -> float:
        """Distance of the interval's near end from zero on the claimed side (negative = fails)."""
        return self.estimate.low if self.direction > 0 else -self.estimate.high

    @property
    def passed(self) -> bool:
        """True if the whole interval lies on the claimed side of zero (statistically clear)."""
        return self.margin > 0.0

    @property
    def substantive_margin(self) -> float:
        """Distance of the interval's near end beyond the smallest effect that matters (negative = short)."""
        return self.margin - self.threshold

    @property
    def substantive(self) -> bool:
        """True if the whole interval lies beyond the smallest effect that matters, on the claimed side.

        Common random numbers make tiny effects statistically clear; only this says they matter.
        """
        return self.substantive_margin > 0.0


@dataclass
class PatternResult:
    """The checks of one pattern at one parameter point."""

    pattern: Pattern
    checks: list[Check]
    parameters: Mapping[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True if every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def margin(self) -> float:
        """The smallest margin of any check: how close the pattern came to failing."""
        return min(c.margin for c in self.checks)

    @property
    def substantive(self) -> bool:
        """True if every check clears its smallest effect that matters."""
        return all(c.substantive for c in self.checks)

    def explain(self) -> str:
        """Every check with its estimate, for test failure messages and the CLI."""
        where = ", ".join(f"{k}={v:g}" for k, v in self.parameters.items()) or "calibrated values"
        lines = [f"{self.pattern.code} at {where}: {'pass' if self.passed else 'FAIL'}"]
        for c in self.checks:
            side = "> 0" if c.direction > 0 else "< 0"
            lines.append(f"  [{'pass' if c.passed else 'FAIL'}] {c.claim}: {c.estimate} (needs {side}) — {c.measure}")
        return "\n".join(lines)


class RunCache:
    """Runs scenario files on demand and keeps the results for reuse across patterns.

    Args:
        folder: Folder holding the scenario files.
        replicates: Replicates per run.
        parameters: Parameter overrides applied to every run (a sweep point).
        independent: Give every distinct run (scenario and overrides) a seed of its own instead
            of the scenario file's, so no two runs share random numbers. Paired differences then
            carry the full noise of two independent samples: an effect that holds only thanks to
            common random numbers fails here.
    """

    def __init__(
        self,
        folder: Path,
        replicates: int,
        parameters: Mapping[str, float] | None = None,
        *,
        independent: bool = False,
    ) -> None:
        self.folder = Path(folder)
        self.replicates = replicates
        self.parameters = dict(parameters or {})
        self.independent = independent
        self._runs: dict[tuple, RunResult] = {}

    def __call__(self, name: str, extra: Mapping[str, float] | None = None) -> RunResult:
        """The result of ``<folder>/<name>.yaml`` with ``extra`` overrides by dotted path on top."""
        overrides = {**self.parameters, **(extra or {})}
        key = (name, tuple(sorted(overrides.items())))
        if key not in self._runs:
            seed = independent_seed(key) if self.independent else None
            scenario = resolve(self.folder / f"{name}.yaml", replicates=self.replicates, overrides=overrides, seed=seed)
            self._runs[key] = simulate(scenario, keep_details=False)
        return self._runs[key]


def independent_seed(key: tuple) -> int:
    """A seed that depends only on a run's scenario and overrides, the same in every session."""
    return 10_000 + zlib.crc32(repr(key).encode("utf-8"))


def window(result: RunResult, variable: str, first: str, last: str) -> np.ndarray:
    """Per-replicate mean of ``variable`` over the quarters ``first``..``last`` inclusive."""
    labels = result.quarter_labels
    return result.series(variable)[labels.index(first) : labels.index(last) + 1].mean(axis=0)


def at(result: RunResult, variable: str, quarter: str) -> np.ndarray:
    """Per-replicate value of ``variable`` at the end of ``quarter``."""
    return result.series(variable)[result.quarter_labels.index(quarter)]


def shock_effect(
    runs: RunCache, scenario: str, variable: str, first: str, last: str, extra: Mapping[str, float] | None = None
) -> np.ndarray:
    """Per-replicate difference scenario − baseline of a window mean (paired by replicate)."""
    return window(runs(scenario, extra), variable, first, last) - window(runs("baseline", extra), variable, first, last)


class Pattern:
    """A pattern the model must reproduce; subclasses quote their source.

    Attributes:
        code: P1…P10 as in docs/ODD.md §1.2.
        statement: The pattern in words.
        source: Key of the supporting document in the calibration's ``sources``.
        quote: The supporting sentence, verbatim.
        scenarios: Scenario files (stems) the pattern runs.
        own_parameters: The parameters of the mechanism behind the pattern; the pattern
            must also hold at both ends of each one's documented range.
    """

    code: ClassVar[str]
    statement: ClassVar[str]
    source: ClassVar[str]
    quote: ClassVar[str]
    scenarios: ClassVar[tuple[str, ...]]
    own_parameters: ClassVar[tuple[str, ...]] = ()

    @property
    def cite(self) -> str:
        """Author and year of the source, e.g. 'Niquet (2024)'."""
        return default_calibration().sources[self.source].cite

    def checks(self, runs: RunCache) -> list[Check]:
        """Measure the pattern's claims on (cached) runs."""
        raise NotImplementedError

    def evaluate(self, runs: RunCache) -> PatternResult:
        """All checks at the cache's parameter point."""
        return PatternResult(self, self.checks(runs), runs.parameters)


class History(Pattern):
    """P1 — low before 2010, rising through the 2010s, steepest after 2022Q1, highest in 2024.

    Büyükarslan (2025): "The pivot toward deeper security collaboration gained traction in
    the 2010s with the establishment of the EU-Japan Strategic Partnership Agreement (SPA)
    in 2018"; Niquet (2024) on the 2023 communiqué: "a real break with the situation that
    prevailed until the end of the 2010s". Measured on the historical backcast, which is
    the calibration target (see docs/validation.md for the parameters tuned to it).
    """

    code = "P1"
    statement = (
        "EU–Japan security cooperation is low through the 1990s–2000s, rises in the 2010s and accelerates "
        "after February 2022 to the November 2024 partnership"
    )
    source = "buyukarslan2025"
    quote = (
        "The pivot toward deeper security collaboration gained traction in the 2010s with the establishment "
        "of the EU-Japan Strategic Partnership Agreement (SPA) in 2018"
    )
    scenarios = ("historical_1991_2024",)
    LOW = CUT_POINTS[1]
    """'Low' means not yet a framework: below the working-cooperation milestone (0.40), where the
    observation model's level 2 begins. The coded history puts the partnership at level 1 (dialogue)
    from 1991, so 'low' cannot mean below the dialogue milestone (0.25), as it did until the
    calibration by ABC showed that reading to contradict the coded scale (docs/TRACE.md)."""

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        result = runs("historical_1991_2024")
        coop = result.series(HEADLINE)
        labels = result.quarter_labels
        q = labels.index
        before, early, late = q("2009Q4"), q("2010Q1"), q("2021Q4")
        post = (q("2021Q4"), q("2024Q4"))
        years = year_rows(labels)

        def slope(path: np.ndarray, a: int, b: int) -> float:
            return float((path[b] - path[a]) / (b - a))

        def steepest_gap(idx: np.ndarray) -> float:
            path = coop[:, idx].mean(axis=1)
            earlier = max(slope(path, i, i + 12) for i in range(1, post[0] - 12 + 1))
            return slope(path, *post) - earlier

        def top_year_gap(idx: np.ndarray) -> float:
            means = {y: coop[rows][:, idx].mean() for y, rows in years.items()}
            return float(means[2024] - max(v for y, v in means.items() if y < 2024))

        n = result.values.shape[2]
        return [
            Check(
                "low before 2010",
                f"mean {HEADLINE} 1991Q1–2009Q4 minus {self.LOW:.2f} (working cooperation: not yet a framework)",
                bootstrap(mean_of(coop[1 : before + 1].mean(axis=0) - self.LOW), n),
                direction=-1,
                kind="calibration",
            ),
            Check(
                "rises through the 2010s",
                f"{HEADLINE} at 2021Q4 minus at 2010Q1",
                bootstrap(mean_of(coop[late] - coop[early]), n),
                kind="calibration",
            ),
            Check(
                "steepest after 2022Q1",
                "rise per quarter 2022Q1–2024Q4 minus the steepest earlier 12-quarter rise (mean path)",
                bootstrap(steepest_gap, n),
                kind="calibration",
                threshold=SMALLEST_INDEX_EFFECT / 12,
                threshold_reason="0.01 over the 12-quarter window, per quarter",
            ),
            Check(
                "highest in 2024",
                f"mean {HEADLINE} in 2024 minus the highest earlier annual mean",
                bootstrap(top_year_gap, n),
                kind="calibration",
            ),
        ]


class JapanOnRussia(Pattern):
    """P2 — Japan's reading of Russia moves little after Crimea (2014) and much after 2022.

    Niquet (2024): "After Moscow's occupation of Crimea in 2014, Japan reacted only
    moderately, without imposing major sanctions."
    """

    code = "P2"
    statement = "Japan's reaction to Russia is moderate after Crimea 2014 and strong after February 2022"
    source = "niquet2024"
    quote = (
        "After Moscow's occupation of Crimea in 2014, Japan reacted only moderately, without imposing major sanctions."
    )
    scenarios = ("historical_1991_2024",)

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        result = runs("historical_1991_2024")
        crimea = at(result, "threat_JPN_RUS", "2015Q4") - at(result, "threat_JPN_RUS", "2013Q4")
        invasion = at(result, "threat_JPN_RUS", "2023Q4") - at(result, "threat_JPN_RUS", "2021Q4")
        n = crimea.size
        return [
            Check(
                "Japan reacts to Crimea (moderately)",
                "threat_JPN_RUS at 2015Q4 minus at 2013Q4",
                bootstrap(mean_of(crimea), n),
                kind="calibration",
            ),
            Check(
                "Japan reacts more to the 2022 invasion than to Crimea",
                "rise of threat_JPN_RUS over the 8 quarters after 2022Q1 minus that after 2014Q1",
                bootstrap(mean_of(invasion - crimea), n),
                kind="calibration",
            ),
        ]


NON_KINETIC = ("cyber", "economic_security", "hybrid_fimi", "space", "maritime")
HARD_MILITARY = "defence_industry"


class SoftBeforeHard(Pattern):
    """P3 — non-kinetic domains run deeper than hard military cooperation.

    Niquet (2024): "important items like economic security, hybrid threats, crisis
    prevention, space cooperation are prone to occupy a major role" in the partnership.
    """

    code = "P3"
    statement = (
        "Non-kinetic domains (cyber, economic security, hybrid, space, maritime capacity building) run deeper "
        "than hard military cooperation"
    )
    source = "niquet2024"
    quote = (
        "important items like economic security, hybrid threats, crisis prevention, space cooperation are prone to "
        "occupy a major role in the proposal to build a new security and defence partnership between Tokyo and Brussels"
    )
    scenarios = ("baseline",)
    own_parameters = (
        "defence_industry.hardness",
        "cyber.hardness",
        "maritime.hardness",
        "space.hardness",  # the other non-kinetic domains' hardness sets how much constraint they bear
        "hybrid_fimi.hardness",
        "economic_security.hardness",
        "model.weight_constraint",
        "JPN.constraint",
        "EU.constraint",
        "model.agreement_floor",  # agreements hold a floor in proportion to softness
    )

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        result = runs("baseline")
        soft = np.mean([window(result, f"{HEADLINE}_{d}", "2025Q1", "2034Q4") for d in NON_KINETIC], axis=0)
        hard = window(result, f"{HEADLINE}_{HARD_MILITARY}", "2025Q1", "2034Q4")
        return [
            Check(
                "non-kinetic deeper than defence industry",
                "mean over 2025–2034 of the five non-kinetic domains minus defence industry (baseline)",
                bootstrap(mean_of(soft - hard), soft.size),
            )
        ]


class RetrenchmentDrawsCloser(Pattern):
    """P4 — US retrenchment draws the EU and Japan closer; Japan's deference limits how far.

    Niquet (2024): "Tokyo's priority is to avoid the risk of alienating Washington,
    especially if Donald Trump returns to power." The net effect is a parameter question;
    docs/validation.md maps it over JPN.deference and model.weight_deference.
    """

    code = "P4"
    statement = (
        "US retrenchment draws the EU and Japan closer; Japan's deference to Washington limits how far "
        "(the net effect is a parameter question)"
    )
    source = "niquet2024"
    quote = (
        "Tokyo's priority is to avoid the risk of alienating Washington, especially if Donald Trump returns to power."
    )
    scenarios = ("baseline", "us_retrenchment")
    own_parameters = (
        "model.weight_abandonment",
        "EU.reliance_on_us",
        "JPN.reliance_on_us",
        "JPN.deference",
        "model.weight_deference",
        "model.weight_alliance",  # the pull toward Washington, whose gap between partners deference reads
        "model.commitment_adjust",  # how fast US commitment falls, so how fast abandonment fear grows
    )
    WINDOW = ("2026Q2", "2034Q4")

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        effect = shock_effect(runs, "us_retrenchment", HEADLINE, *self.WINDOW)
        low_def = shock_effect(runs, "us_retrenchment", HEADLINE, *self.WINDOW, {"JPN.deference": 0.2})
        high_def = shock_effect(runs, "us_retrenchment", HEADLINE, *self.WINDOW, {"JPN.deference": 0.8})
        return [
            Check(
                "retrenchment draws the EU and Japan closer",
                f"{HEADLINE} mean {self.WINDOW[0]}–{self.WINDOW[1]}, us_retrenchment minus baseline",
                bootstrap(mean_of(effect), effect.size),
                kind="validation",
            ),
            Check(
                "Japan's deference limits how far",
                "that effect at JPN.deference=0.8 minus at JPN.deference=0.2",
                bootstrap(mean_of(high_def - low_def), effect.size),
                direction=-1,
            ),
        ]


class AsymmetricSalience(Pattern):
    """P5 — Asian shocks raise Japan's threat more than the EU's; Russian escalation the reverse.

    Büyükarslan (2025): "The distinct geopolitical contexts of the EU and Japan create
    diverging security priorities that may complicate efforts to craft a unified strategy".
    """

    code = "P5"
    statement = (
        "Taiwan, Senkaku and DPRK shocks raise Japan's threat perception more than the EU's; Russian "
        "escalation raises the EU's more than Japan's"
    )
    source = "buyukarslan2025"
    quote = (
        "The distinct geopolitical contexts of the EU and Japan create diverging security priorities that may "
        "complicate efforts to craft a unified strategy"
    )
    scenarios = ("baseline", "taiwan_strait_crisis", "dprk_provocation", "russia_escalation")
    own_parameters = (
        "EU.salience_CHN",
        "JPN.salience_RUS",
        "EU.salience_PRK",
        "JPN.salience_CHN",  # the other side of each comparison of readings
        "JPN.salience_PRK",
        "EU.salience_RUS",
        "EU.linkage",
        "JPN.linkage",
    )
    CASES = (
        ("taiwan_strait_crisis", "CHN", ("2026Q2", "2028Q1"), 1),
        ("dprk_provocation", "PRK", ("2025Q3", "2027Q2"), 1),
        ("russia_escalation", "RUS", ("2025Q4", "2028Q2"), -1),
    )

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        checks = []
        for scenario, challenger, span, sign in self.CASES:
            japan = shock_effect(runs, scenario, f"threat_JPN_{challenger}", *span)
            europe = shock_effect(runs, scenario, f"threat_EU_{challenger}", *span)
            more, less = ("Japan's", "the EU's") if sign > 0 else ("the EU's", "Japan's")
            checks.append(
                Check(
                    f"{scenario} raises {more} threat from {challenger} more than {less}",
                    f"rise of threat_JPN_{challenger} minus rise of threat_EU_{challenger} vs baseline, "
                    f"{span[0]}–{span[1]}",
                    bootstrap(mean_of(japan - europe), japan.size),
                    direction=sign,
                )
            )
        return checks


def domain_lead(runs: RunCache, scenario: str, domain: str, span: tuple[str, str]) -> list[Check]:
    """Checks that ``domain`` gains under ``scenario`` and gains more than any other domain."""
    effects = {d: shock_effect(runs, scenario, f"{HEADLINE}_{d}", *span) for d in DOMAINS}
    target = effects.pop(domain)
    runner_up = np.max(np.stack(list(effects.values())), axis=0)
    label = DOMAIN_LABELS[domain]
    return [
        Check(
            f"{scenario} raises {label} cooperation",
            f"{HEADLINE}_{domain} vs baseline, {span[0]}–{span[1]}",
            bootstrap(mean_of(target), target.size),
        ),
        Check(
            f"{label} gains most",
            f"gain of {label} minus the largest gain of any other domain, {span[0]}–{span[1]}",
            bootstrap(mean_of(target - runner_up), target.size),
        ),
    ]


class CoercionBuildsEconomicSecurity(Pattern):
    """P6 — Chinese economic coercion raises economic-security cooperation most.

    Lenhart & Tkacik (2024): "Japan experienced this multidimensional challenge during the
    Senkaku crises of 2010, when China drastically curbed its rare earth materials supply
    as a form of economic coercion".
    """

    code = "P6"
    statement = "Chinese economic coercion raises economic-security cooperation most"
    source = "lenhart2024"
    quote = "when China drastically curbed its rare earth materials supply as a form of economic coercion"
    scenarios = ("baseline", "china_economic_coercion")
    own_parameters = (
        "economic_security.relevance_coercion",
        "economic_security.relevance_cyber_hybrid",  # the domain's other relevances dilute coercion's share
        "economic_security.relevance_sealane",
        "hybrid_fimi.relevance_coercion",  # the domain that also answers coercion, the likely runner-up
        "economic_security.hardness",  # how much constraint and instability the domain bears
        "model.weight_exposure",
        "JPN.trade_dependence_CHN",
        "EU.trade_dependence_CHN",
        "model.weight_common_threat",
    )

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        return domain_lead(runs, "china_economic_coercion", "economic_security", ("2025Q3", "2034Q4"))


class Pushback(Pattern):
    """P7 — closer EU–Japan ties provoke Chinese and Russian pushback.

    Büyükarslan (2025): "closer relationships with the Western powers increase the rate of
    attacks by other groups". Measured by deepening the partnership itself (values and
    agreement coverage at the top of their documented ranges) against the baseline.
    """

    code = "P7"
    statement = "Closer EU–Japan ties provoke Chinese and Russian pushback"
    source = "buyukarslan2025"
    quote = "closer relationships with the Western powers increase the rate of attacks by other groups"
    scenarios = ("baseline",)
    own_parameters = (
        "CHN.pushback",
        "RUS.pushback",
        "model.activity_adjust",  # how fast activity moves toward the target pushback sets
        "model.weight_challenger_alignment",  # the challengers' answer to the containment they share
    )
    CLOSER: ClassVar[dict[str, float]] = {"EU_JPN.values": 1.0, "EU_JPN.agreement": 0.8}

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        base, closer = runs("baseline"), runs("baseline", self.CLOSER)
        span = ("2025Q1", "2034Q4")
        checks = [
            Check(
                "the partnership deepens",
                f"{HEADLINE} 2025–2034 with EU_JPN.values=1, EU_JPN.agreement=0.8 minus calibrated",
                bootstrap(mean_of(window(closer, HEADLINE, *span) - window(base, HEADLINE, *span)), runs.replicates),
            )
        ]
        for challenger in ("CHN", "RUS"):
            channels = [c for c in base.columns if c.startswith(f"activity_{challenger}_")]
            more = np.mean([window(closer, c, *span) - window(base, c, *span) for c in channels], axis=0)
            checks.append(
                Check(
                    f"{challenger} pushes back",
                    f"mean activity of {challenger} over its channels, 2025–2034, closer ties minus calibrated",
                    bootstrap(mean_of(more), more.size),
                    kind="validation",
                )
            )
        return checks


class InstabilityDamps(Pattern):
    """P8 — Japanese domestic instability damps cooperation growth.

    Lenhart & Tkacik (2024): "the potential instability of Prime Minister Ishiba's minority
    government in Japan".
    """

    code = "P8"
    statement = "Japanese domestic instability (a minority government) damps cooperation growth"
    source = "lenhart2024"
    quote = "the potential instability of Prime Minister Ishiba's minority government in Japan"
    scenarios = ("baseline", "japan_political_instability")
    own_parameters = (
        "model.stability_recovery",
        "model.weight_constraint",
        "model.coop_rise_rate",
        "model.coop_decay_rate",  # a lower desire passes into cooperation at the decay rate
        "model.agreement_brake",  # agreements slow that decay
    )
    SPAN = ("2025Q2", "2027Q4")

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        coop = shock_effect(runs, "japan_political_instability", HEADLINE, *self.SPAN)
        stability = shock_effect(runs, "japan_political_instability", "stability_JPN", *self.SPAN)
        return [
            Check(
                "Japan's stability stays lower",
                f"stability_JPN vs baseline, {self.SPAN[0]}–{self.SPAN[1]}",
                bootstrap(mean_of(stability), stability.size),
                direction=-1,
            ),
            Check(
                "cooperation is lower",
                f"{HEADLINE} vs baseline, {self.SPAN[0]}–{self.SPAN[1]}",
                bootstrap(mean_of(coop), coop.size),
                direction=-1,
            ),
        ]


class ChokepointBuildsMaritime(Pattern):
    """P9 — Red Sea / Bab-el-Mandeb disruption raises maritime cooperation.

    Lenhart & Tkacik (2024): "Regional instability and the activities of groups such as the
    Houthis in Yemen threaten critical sea lines of communication, particularly through the
    Suez Canal and the Bab-el-Mandeb Strait."
    """

    code = "P9"
    statement = "Red Sea / Bab-el-Mandeb disruption raises maritime cooperation"
    source = "lenhart2024"
    quote = (
        "Regional instability and the activities of groups such as the Houthis in Yemen threaten critical sea "
        "lines of communication, particularly through the Suez Canal and the Bab-el-Mandeb Strait."
    )
    scenarios = ("baseline", "red_sea_disruption")
    own_parameters = (
        "maritime.relevance_sealane",
        "maritime.relevance_gray_zone",  # the domain's other relevances dilute the sea-lane share
        "maritime.relevance_military",
        "economic_security.relevance_sealane",  # the domain that also answers sea-lane risk, the likely runner-up
        "JPN.sealane_exposure",
        "EU.sealane_exposure",
        "model.weight_common_threat",
    )

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        return domain_lead(runs, "red_sea_disruption", "maritime", ("2025Q2", "2027Q1"))


class JapanSpendingPath(Pattern):
    """P10 — Japan's baseline defence spending follows 1.6% of GDP (2024) to 2% (2027).

    Niquet (2024): "It was also decided to increase the defence budget to 2% of GDP by 2027,
    reaching 1.6% of GDP in 2024."
    """

    code = "P10"
    statement = "Baseline Japanese defence spending follows 1.6% (2024) → 2% (2027)"
    source = "niquet2024"
    quote = "It was also decided to increase the defence budget to 2% of GDP by 2027, reaching 1.6% of GDP in 2024."
    scenarios = ("baseline",)
    own_parameters = (
        "JPN.threat_response",
        "JPN.hedge_response",
        "JPN.spending_reference_threat",  # threat beyond this reading lifts spending above the path
        "JPN.spending_reference_fear",  # abandonment fear beyond this reading does the same
        "JPN.reliance_on_us",  # scales Japan's abandonment fear
        "model.spending_adjust",  # how fast spending follows its target
    )
    TOLERANCE = 0.05
    """Percentage points of GDP allowed either side of the enacted figure."""
    SPAN = ("2025Q1", "2027Q4")

    @override
    def checks(self, runs: RunCache) -> list[Check]:
        base = runs("baseline")
        labels = base.quarter_labels
        rows = slice(labels.index(self.SPAN[0]), labels.index(self.SPAN[1]) + 1)
        years = np.array([quarter_year(parse_quarter(label)) for label in labels[rows]])
        enacted = policy_path(years, *(default_calibration()[path].value for path in PATH_PARAMETERS))
        deviation = np.abs(base.series("spending_JPN")[rows] - enacted[:, None]).max(axis=0)
        in_2027 = at(base, "spending_JPN", "2027Q4")
        return [
            Check(
                "tracks the enacted path 2025–2027",
                f"{self.TOLERANCE} minus the largest |spending_JPN − enacted path| over "
                f"{self.SPAN[0]}–{self.SPAN[1]} (path: 1.6% mid-2024 to 2% mid-2027)",
                bootstrap(mean_of(self.TOLERANCE - deviation), deviation.size),
                threshold=0.0,
                threshold_reason=SPENDING_REASON,
            ),
            Check(
                "2% of GDP by 2027",
                f"{self.TOLERANCE} minus |spending_JPN at 2027Q4 − 2.0|",
                bootstrap(mean_of(self.TOLERANCE - np.abs(in_2027 - 2.0)), in_2027.size),
                threshold=0.0,
                threshold_reason=SPENDING_REASON,
            ),
        ]


SPENDING_REASON = "built into the measure: a 0.05-point tolerance, an eighth of the enacted 0.4-point build-up"

PATH_PARAMETERS = (
    "JPN.spending_base",
    "JPN.spending_decision_year",
    "JPN.spending_path_start",
    "JPN.spending_path_start_year",
    "JPN.spending_path_end",
    "JPN.spending_path_end_year",
)
"""Arguments of :func:`simulator.core.mechanisms.spending.policy_path` for Japan, in order."""


PATTERNS: tuple[Pattern, ...] = (
    History(),
    JapanOnRussia(),
    SoftBeforeHard(),
    RetrenchmentDrawsCloser(),
    AsymmetricSalience(),
    CoercionBuildsEconomicSecurity(),
    Pushback(),
    InstabilityDamps(),
    ChokepointBuildsMaritime(),
    JapanSpendingPath(),
)
BY_CODE = {p.code: p for p in PATTERNS}


def range_points(pattern: Pattern) -> list[dict[str, float]]:
    """One-at-a-time points at both ends of each own parameter's documented range."""
    calibration = default_calibration()
    points = []
    for path in pattern.own_parameters:
        param = calibration[path]
        points.extend({path: end} for end in (param.low, param.high))
    return points


def evaluate_ranges(pattern: Pattern, *, folder: Path = Path("scenarios"), replicates: int = 40) -> list[PatternResult]:
    """Evaluate a pattern at both ends of each of its own parameters' ranges."""
    return [pattern.evaluate(RunCache(folder, replicates, point)) for point in range_points(pattern)]


def deference_boundary(
    deference: Iterable[float], weights: Iterable[float], *, folder: Path = Path("scenarios"), replicates: int = 40
) -> list[tuple[float, float, Estimate]]:
    """P4's net effect of retrenchment on a grid of JPN.deference x model.weight_deference."""
    window_ = RetrenchmentDrawsCloser.WINDOW
    rows = []
    for d in deference:
        for w in weights:
            runs = RunCache(folder, replicates, {"JPN.deference": d, "model.weight_deference": w})
            effect = shock_effect(runs, "us_retrenchment", HEADLINE, *window_)
            rows.append((d, w, bootstrap(mean_of(effect), effect.size)))
    return rows


KNOWN_SHORTFALLS: dict[tuple[str, str], str] = {
    ("P1", "steepest after 2022Q1"): (
        "The 2022–2024 rise is steeper than any earlier 12 quarters, but by about the smallest amount "
        "that matters, so whether it 'accelerates' is within a hair of the threshold."
    ),
    ("P4", "Japan's deference limits how far"): (
        "Deference does limit the effect of retrenchment, by about 0.009 across its whole documented "
        "range: Japan's regard for Washington costs it only as far as EU–US relations fall below its "
        "own (docs/ODD.md §7.8), which retrenchment moves little."
    ),
    ("P7", "CHN pushes back"): (
        "Closer EU–Japan ties raise China's activity by less than a tenth of the smallest effect that "
        "matters, and the rise is not clear without common random numbers: containment reads the West's "
        "cooperation as a whole, of which EU–Japan is a small part (docs/ODD.md §7.3)."
    ),
    ("P7", "RUS pushes back"): "As for China; Russia's rise is about as small.",
    ("P8", "cooperation is lower"): (
        "A persisting minority government lowers EU–Japan cooperation by just under the smallest effect "
        "that matters over 2025Q2–2027Q4: instability bites in proportion to hardness, so mostly in the "
        "hard domains (docs/ODD.md §7.8), and the baseline itself opens with the same government."
    ),
}
"""Checks that are statistically clear in the claimed direction at the calibrated values but do not
clear their smallest effect that matters, with what that means: findings, not numbers to tune.
``tests/test_patterns.py`` fails if another check falls short or if one of these is far beyond its
threshold, so the list stays true."""
