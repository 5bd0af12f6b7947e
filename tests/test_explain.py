"""`eujsim explain`: contributions that add up to the simulated change, and what they say."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.base.errors import UserError
from simulator.core.structure import DOMAINS
from simulator.evaluation.explain import (
    CATEGORIES,
    GROUPS,
    SHOCKS,
    explain,
    explain_run,
    glossary,
    no_shock_twin,
)
from simulator.runs.runner import simulate
from tests.conftest import SCENARIOS, cli_error, eujsim, make_scenario

VALUES_DRIFT = {
    "name": "values drift",
    "kind": "values_drift",
    "at": "2025Q3",
    "magnitude": 1.0,
    "ramp": 0,
    "effects": [{"target": "EU_JPN.values", "op": "add", "value": -0.3}],
}


@pytest.fixture(scope="module")
def retrenchment(tmp_path_factory):
    """A saved 20-replicate run of the US retrenchment scenario."""
    out = tmp_path_factory.mktemp("explain") / "run"
    status, _, err = eujsim("run", SCENARIOS / "us_retrenchment.yaml", "--replicates", 20, "--out", out, "--no-plots")
    assert status == 0, err
    return out


def assert_adds_up(explanation) -> None:
    """Every replicate and quarter: categories sum to the change; channels sum to the shocks' part."""
    np.testing.assert_allclose(explanation.parts.sum(axis=2), explanation.change, atol=1e-12)
    shocks = explanation.parts[..., explanation.categories.index(SHOCKS)]
    np.testing.assert_allclose(explanation.channels.sum(axis=2), shocks, atol=1e-12)
    assert not explanation.parts[0].any(), "nothing has moved before the first simulated quarter"


@pytest.mark.parametrize("domain", [None, *DOMAINS[:3]])
def test_contributions_add_up_to_the_simulated_change(retrenchment, domain):
    explanation = explain_run(retrenchment, domain=domain)
    assert_adds_up(explanation)
    series = "coop_EU_JPN" if domain is None else f"coop_EU_JPN_{domain}"
    saved = pd.read_csv(retrenchment / "timeseries.csv")
    final = saved[saved["step"] == saved["step"].max()][series].to_numpy()
    first = saved[saved["step"] == 0][series].to_numpy()
    np.testing.assert_allclose(explanation.change[-1], final - first, atol=1e-5)  # CSVs keep 6 digits
    totals = explanation.totals
    assert totals["mean"].sum() == pytest.approx(explanation.change[-1].mean(), abs=1e-12)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["us_retrenchment", "taiwan_strait_crisis", "eu_cohesion_crisis", "dprk_provocation"]),
    magnitude=st.floats(0.1, 1.0),
    onset=st.integers(0, 7),
    seed=st.integers(0, 2**16),
)
def test_any_shock_is_attributed_exactly(kind, magnitude, onset, seed):
    """Whatever the shock, its size and timing, the parts add up in every replicate and quarter."""
    at = f"{2025 + (onset // 4)}Q{onset % 4 + 1}"
    scenario = make_scenario(
        horizon=10, replicates=3, seed=seed, shocks=[{"kind": kind, "at": at, "magnitude": magnitude}]
    )
    assert_adds_up(explain(simulate(scenario)))


def test_without_shocks_the_shocks_part_is_zero_and_the_twin_is_the_run():
    result = simulate(make_scenario(horizon=10, replicates=5), explained_pair="EU_JPN")
    twin = no_shock_twin(result)
    np.testing.assert_array_equal(twin.values, result.values)
    explanation = explain(result, twin=twin)
    assert not explanation.parts[..., -1].any()
    assert not explanation.channels.any()
    assert "no shocks" in explanation.text()


def test_a_shock_to_shared_values_acts_through_values_alone():
    """Lowering EU–JPN value affinity by 0.3 lowers both desires by weight_values x 0.3 = 0.09."""
    result = simulate(make_scenario(horizon=16, replicates=6, shocks=[VALUES_DRIFT]))
    explanation = explain(result)
    assert_adds_up(explanation)
    channels = explanation.channel_totals.set_index("category")["mean"]
    assert channels["values"] == pytest.approx(-0.09, abs=1e-9)
    others = channels.drop(["values", "inertia"])
    assert others.abs().max() < 0.002, others
    assert channels["inertia"] > 0, "cooperation trails the lower target: part of the fall is still to come"
    shocks = explanation.totals.set_index("category").loc[SHOCKS]
    assert shocks["p95"] < 0
    assert "values drift" in explanation.text()


def test_us_retrenchment_works_through_abandonment_fear(retrenchment):
    """Pattern P4 read through the mechanisms: retrenchment raises cooperation via fear of abandonment."""
    explanation = explain_run(retrenchment)
    channels = explanation.channel_totals.set_index("category")["mean"]
    assert channels.idxmax() == "abandonment_fear"
    assert channels["abandonment_fear"] > 0.05
    assert channels["deference"] < 0, "less deference to a retreating US is a (smaller) pull the other way"
    shocks = explanation.totals.set_index("category").loc[SHOCKS]
    assert shocks["p5"] > 0
    text = explanation.text()
    assert "US retrenchment" in text and "fear the US leaves" in text


def test_any_pair_can_be_explained(retrenchment):
    """EU–US cooperation under retrenchment: the shock lowers EU–US value affinity by 0.25."""
    explanation = explain_run(retrenchment, metric="coop_EU_USA")
    assert_adds_up(explanation)
    saved = pd.read_csv(retrenchment / "timeseries.csv")
    final = saved[saved["step"] == saved["step"].max()]["coop_EU_USA"].to_numpy()
    np.testing.assert_allclose(explanation.level[-1], final, atol=1e-5)
    channels = explanation.channel_totals.set_index("category")["mean"]
    assert channels["values"] < -0.01
    shocks = explanation.totals.set_index("category").loc[SHOCKS]
    assert shocks["p95"] < 0, "retrenchment weakens EU–US cooperation"
    assert "EU–US cooperation" in explanation.text()
    by_domain = explain_run(retrenchment, metric="coop_EU_USA", domain="cyber")
    assert_adds_up(by_domain)
    np.testing.assert_allclose(by_domain.result.pair_history.coop[..., DOMAINS.index("cyber")], by_domain.level)


def test_a_taiwan_crisis_works_through_common_threat(tmp_path):
    status, _, err = eujsim(
        "run", SCENARIOS / "taiwan_strait_crisis.yaml", "--replicates", 10, "--out", tmp_path / "r", "--no-plots"
    )
    assert status == 0, err
    explanation = explain_run(tmp_path / "r")
    peak = int(np.argmax(explanation.parts[..., -1].mean(axis=1)))
    at_peak = explanation.channels[peak].mean(axis=0)
    assert list(CATEGORIES)[int(np.argmax(at_peak))] == "common_threat"


def test_a_saved_run_is_explained_as_the_same_run_in_memory(retrenchment):
    from simulator.runs.run_folder import open_run

    saved = open_run(retrenchment)
    in_memory = explain(simulate(saved.scenario, replicates=saved.replicates))
    np.testing.assert_array_equal(explain_run(retrenchment).parts, in_memory.parts)


def test_a_run_the_model_no_longer_reproduces_is_refused(retrenchment, tmp_path):
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(retrenchment, copy)
    frame = pd.read_csv(copy / "timeseries.csv")
    frame["coop_EU_JPN"] += 0.01
    frame.to_csv(copy / "timeseries.csv", index=False)
    with pytest.raises(UserError, match="does not reproduce"):
        explain_run(copy)


def test_cli_writes_the_explanation_and_never_overwrites(retrenchment):
    status, out, err = eujsim("explain", retrenchment)
    assert status == 0, err
    folder = retrenchment / "explain"
    assert {"explanation.md", "contributions.png", "totals.csv", "shock_channels.csv", "contributions.csv"} <= {
        p.name for p in folder.iterdir()
    }
    assert "the shocks raised it" in out and str(folder) in out
    assert "Categories:" in out, "the glossary ends the printed explanation"
    totals = pd.read_csv(folder / "totals.csv")
    assert list(totals["category"]) == [*CATEGORIES, SHOCKS]
    assert set(totals["group"]) == {*GROUPS, SHOCKS}, "each mechanism's row names its plain category"
    contributions = pd.read_csv(folder / "contributions.csv")
    last = contributions[contributions["step"] == contributions["step"].max()].set_index("category")["mean"]
    assert last.drop("simulated_change").sum() == pytest.approx(last["simulated_change"], abs=1e-5)
    assert (folder / "contributions.png").read_bytes().startswith(b"\x89PNG")
    status, _, err = eujsim("explain", retrenchment, "--domain", "maritime")
    assert status == 0, err
    status, _, _ = eujsim("explain", retrenchment)
    assert status == 0 and (retrenchment / "explain-2").is_dir(), "a second explanation gets its own folder"
    message = cli_error("explain", retrenchment, "--out", folder)
    assert "already exists" in message and "--force" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--domain", "maritme"], "did you mean 'maritime'"),
        (["--metric", "threat_JPN_CHN"], "coop_<A>_<B>"),
        (["--metric", "coop_EU_JNP"], "did you mean 'coop_EU_JPN'"),
        (["--metric", "coop_EU_JPN_cyber", "--domain", "space"], "give one of them"),
    ],
)
def test_cli_explains_what_to_fix(retrenchment, args, expected):
    assert expected in cli_error("explain", retrenchment, *args)


def test_cli_refuses_what_is_not_a_run_folder(tmp_path):
    assert "eujsim run" in cli_error("explain", SCENARIOS / "baseline.yaml")
    assert "not found" in cli_error("explain", tmp_path / "missing")
    assert "not a run folder" in cli_error("explain", tmp_path)


# -- words that agree with their numbers ------------------------------------------------------

DIRECTION = re.compile(r"\b(?:raised|lowered|rose|fell|push(?:ed|es)? up|pull(?:ed|s)? down)\b")
"""Words that carry a direction themselves, so the number they are said with must be a size."""
NUMBER = re.compile(r"(?<![\w.])[+\-−]?\d+\.\d+")
"""A decimal number as the text writes it, with its sign if it has one (quarters such as 2025Q1 are not)."""


def double_signs(text: str) -> list[str]:
    """Each place where a direction word is said with a signed number: "lowered it by -0.024", "pushed up (+0.01)".

    The first number after the word in its clause is the one it governs; a word that says the
    direction makes that number's sign either redundant or, for the opposite sign, a contradiction.
    Numbers further on (an interval, "their effect … was -0.010") stand alone and keep their sign.
    """
    found = []
    for clause in re.split(r"(?<=[.;])\s+", text):
        for word in DIRECTION.finditer(clause):
            number = NUMBER.search(clause, word.end())
            if number and number.group(0)[0] in "+-−":
                found.append(clause[word.start() : number.end()])
    return found


def test_the_double_sign_scan_finds_a_signed_number_after_a_direction_word():
    assert double_signs("the largest pull down came from abandonment fear: +0.131")
    assert double_signs("the shocks lowered it by -0.024 by 2034Q4")  # redundant
    assert double_signs("X raised it by -0.024")  # contradictory
    assert double_signs("of that effect, values pulled down (-0.015)")
    assert not double_signs(
        "X raised it by 0.100 (90% interval -0.010 to +0.200) and Y lowered it by 0.200; Z pulled down (by 0.015). "
        "Cooperation fell from 0.45 in 2025Q1 to 0.42 in 2034Q4, a change of -0.030; their effect by 2034Q4 was -0.010."
    )


@pytest.fixture(scope="module")
def shipped():
    """Every shipped scenario explained at three replicates, name -> explanation."""
    from dataclasses import replace

    from simulator.inputs.scenario import load_scenario

    paths = sorted(SCENARIOS.glob("*.yaml"))
    return {path.stem: explain(simulate(replace(load_scenario(path), replicates=3))) for path in paths}


@pytest.fixture(scope="module")
def values_drift():
    """A shock that lowers cooperation (EU–Japan value affinity down by 0.3): every sentence of a fall."""
    return explain(simulate(make_scenario(horizon=16, replicates=4, shocks=[VALUES_DRIFT])))


def test_no_sentence_pairs_a_direction_word_with_a_signed_number(shipped, values_drift):
    explanations = {**shipped, "values drift": values_drift}
    for name, explanation in explanations.items():
        for text in (explanation.text(), explanation.markdown()):
            assert not double_signs(text), (name, double_signs(text))
    falls = " ".join(values_drift.sentences)
    assert re.search(r"the shocks lowered it by (?:up to )?\d\.\d{3}\b", falls), falls
    everything = " ".join(e.text() for e in explanations.values())
    for word in ("raised it by", "lowered it by", "pushed up (by", "pulled down (by"):
        assert word in everything, f"no explanation says {word!r}, so the scan did not see it"


def test_the_report_writes_sizes_after_direction_words_too(retrenchment):
    from simulator.reports.report import explanation_html
    from simulator.runs.run_folder import open_run

    page = re.sub(r"<[^>]+>", " ", explanation_html(open_run(retrenchment)))
    assert "raised it by" in page
    assert not double_signs(page), double_signs(page)


def test_the_shocks_sentence_has_the_sign_of_their_effect_and_names_the_change(retrenchment):
    explanation = explain_run(retrenchment)
    effect = explanation.group_parts[-1, :, -1].mean()
    assert effect > 0
    [said] = [s for s in explanation.sentences if "the shocks raised it" in s or "the shocks lowered it" in s]
    assert "the shocks raised it" in said and "against the same worlds without the shocks" in said.lower()
    # the effect by the end: a size after the verb, or (for an effect that peaked) a signed number on its own
    assert (
        f"raised it by {abs(effect):.3f} by" in said
        or f"their effect by {explanation.result.quarter_labels[-1]} was {effect:+.3f}" in said
    )
    others = [s for s in explanation.sentences if s != said]
    assert any("without the shocks, of the change from" in s for s in others), "mechanisms name their change"


def test_without_shocks_nothing_is_said_about_what_the_shocks_did(shipped):
    text = shipped["baseline"].text()
    assert not re.search(r"the shocks (?:raised|lowered|changed)|shocks' effect", text)
    assert "Of the change from" in text


def test_the_start_transient_is_called_the_spin_up(shipped):
    text = shipped["baseline"].text()
    assert "At the start" in text and "spin-up" in text
    assert "What moved it most" not in text


def test_the_chart_has_at_most_six_plain_categories(shipped, tmp_path):
    labels = set(glossary_labels())
    for name in ("us_retrenchment", "baseline"):
        legend = shipped[name].plot(tmp_path / f"{name}.png")
        assert 0 < len(legend) <= 6, legend
        assert set(legend) <= labels | {"the shocks"}
    grouped = shipped["us_retrenchment"].group_parts
    np.testing.assert_allclose(grouped.sum(axis=2), shipped["us_retrenchment"].change, atol=1e-12)
    assert grouped.shape[2] <= 6


def glossary_labels() -> list[str]:
    return [group.label for group in GROUPS.values()]


def test_the_glossary_names_each_category_and_its_mechanisms():
    lines = glossary()
    for group in GROUPS.values():
        [line] = [line for line in lines if line.startswith(f"- {group.label}:")]
        assert all(CATEGORIES[m] in line for m in group.members)
    assert sorted(m for g in GROUPS.values() for m in g.members) == sorted(CATEGORIES), "every mechanism once"
    assert any("US commitment" in line for line in glossary("EU_USA"))


def test_the_report_explains_the_categories_too(retrenchment):
    from simulator.reports.report import explanation_html
    from simulator.runs.run_folder import open_run

    page = explanation_html(open_run(retrenchment))
    assert all(group.label in page for group in GROUPS.values())
    assert "spin-up" in page
