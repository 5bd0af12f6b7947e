"""The coded history: it loads, every quote is in its source, and a bad file names each mistake.

Also the observation model (intensity → ordinal level) and the scores of the backcast
against the history, on small synthetic inputs whose answer is known.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.base.yamlio import parse_yaml
from simulator.core.structure import DOMAINS, MILESTONES
from simulator.evaluation.history_fit import (
    CUT_POINTS,
    TRACKS,
    coded_history,
    coded_levels,
    level_band,
    observed_level,
    score_history,
    score_pairs,
)
from simulator.inputs.history import (
    FIRST_YEAR,
    LAST_YEAR,
    LEVEL_NAMES,
    CodedHistory,
    HistoryErrors,
    default_history_text,
    load_history,
    parse_history,
)
from simulator.presentation.plots import milestone_meanings

from .test_calibration import normalise, source_text

GOOD_CHANGE = """\
      - year: 2014
        level: 3
        source: niquet2024
        quote: In 2014, Japan participated for the first time in an anti-piracy exercise
        note: first joint exercise
"""


def parse(text: str, **kwargs: object) -> CodedHistory:
    return parse_history(parse_yaml(text, "bad.yaml"), **kwargs)


def one_track(changes: str, track: str = "maritime") -> str:
    return f"tracks:\n  {track}:\n    changes:\n{changes}"


def test_the_shipped_history_loads_with_the_model_s_tracks():
    history = coded_history()
    assert list(history) == list(TRACKS)
    assert history.level("maritime", 2015) == 3
    assert history.level("space", 2000) is None
    coded, gaps = history.coded_count(DOMAINS)
    assert coded + gaps == len(DOMAINS) * (LAST_YEAR - FIRST_YEAR + 1)
    assert 0 < coded < coded + gaps


def test_every_quoted_passage_appears_verbatim_in_its_source():
    missing = [
        (c.track, c.year, passage)
        for c in coded_history().changes()
        for passage in c.quote
        if normalise(passage) not in source_text(c.source.key)
    ]
    assert not missing, f"passages not found in their source: {missing}"


def test_changes_are_dated_in_range_on_the_scale_and_in_time_order():
    for track in coded_history().values():
        years = [c.year for c in track.changes]
        assert years == sorted(set(years)), track.name
        for before, after in zip(track.changes, track.changes[1:], strict=False):
            assert before.level != after.level, (track.name, after.year)
        for change in track.changes:
            assert FIRST_YEAR <= change.year <= LAST_YEAR
            assert change.level in LEVEL_NAMES
            assert any(str(change.year) in passage for passage in change.quote)
            assert change.note


def test_a_level_holds_until_the_next_change_and_gaps_are_none():
    history = coded_history()
    assert [history.level("cyber", y) for y in (2000, 2001, 2017, 2018, 2024)] == [None, 1, 1, 2, 2]
    with pytest.raises(KeyError, match="outside"):
        history.level("cyber", 2025)
    with pytest.raises(KeyError, match="no track"):
        history.level("cyberr", 2020)


def test_table_has_one_row_per_track_and_year_with_gaps_as_na():
    table = coded_history().table()
    assert len(table) == len(TRACKS) * (LAST_YEAR - FIRST_YEAR + 1)
    row = table[(table.track == "space") & (table.year == 2023)].iloc[0]
    assert row.level == 2 and row.source == "Büyükarslan (2025)"
    assert table[(table.track == "space") & (table.year == 2000)].level.isna().all()


def test_the_shipped_text_parses_without_the_track_check_too():
    assert list(parse(default_history_text())) == list(TRACKS)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (GOOD_CHANGE.replace("2014\n", "1990\n", 1), "year", "1991 to 2024"),
        (GOOD_CHANGE.replace("level: 3", "level: 5"), "level", "not on the scale"),
        (GOOD_CHANGE.replace("level: 3", "level: true"), "level", "not on the scale"),
        (GOOD_CHANGE.replace("niquet2024", "niquet"), "source", "did you mean 'niquet2024'"),
        (GOOD_CHANGE.replace("In 2014, ", ""), "quote", "names the year 2014"),
        (GOOD_CHANGE.replace("first joint exercise", "''"), "note", "own words"),
        (GOOD_CHANGE + "        extra: 1\n", "changes[0]", "unknown key"),
    ],
)
def test_a_bad_entry_gives_one_line_naming_file_entry_and_field(change, field, words):
    with pytest.raises(HistoryErrors) as caught:
        parse(one_track(change))
    message = str(caught.value)
    assert len(caught.value.problems) == 1 and "\n" not in message, message
    assert message.startswith("bad.yaml:") and "tracks.maritime.changes[0]" in message
    assert field in message and words in message, message


def test_changes_out_of_order_or_repeating_a_level_are_refused():
    earlier = GOOD_CHANGE.replace("2014", "2010").replace("level: 3", "level: 2")
    with pytest.raises(HistoryErrors, match=r"changes\[1\]\.year\): year 2010 is not after"):
        parse(one_track(GOOD_CHANGE + earlier))
    same = GOOD_CHANGE.replace("2014", "2016")
    with pytest.raises(HistoryErrors, match=r"changes\[1\]\.level\): level 3 repeats"):
        parse(one_track(GOOD_CHANGE + same.replace("In 2016", "In 2016")))


def test_every_mistake_is_listed_one_line_each():
    bad = GOOD_CHANGE.replace("level: 3", "level: 7").replace("niquet2024", "nobody")
    with pytest.raises(HistoryErrors) as caught:
        parse(one_track(bad) + "\n  spacee:\n    changes: []\n", tracks=TRACKS)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert any("unknown track 'spacee'; did you mean 'space'?" in line for line in lines)


def test_a_file_that_is_not_a_history_is_refused(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(HistoryErrors, match="one key, 'tracks'"):
        load_history(path)


# The observation model.


def test_the_cut_points_are_the_milestones_and_each_begins_its_level():
    assert tuple(level for level, _ in MILESTONES) == CUT_POINTS
    assert list(observed_level([0.0, 0.2499, 0.25, 0.4, 0.549, 0.55, 0.7, 1.0])) == [0, 0, 1, 2, 2, 3, 4, 4]
    for k, (cut, meaning) in enumerate(milestone_meanings(), start=1):
        assert level_band(k)[0] == cut and f"level {k}" in meaning


@given(st.floats(0.0, 1.0))
def test_every_intensity_maps_to_a_level_whose_band_holds_it(x):
    level = int(observed_level(x))
    assert level in LEVEL_NAMES
    low, high = level_band(level)
    assert low <= x < high or (x == 1.0 and high == 1.0)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_the_mapping_keeps_order(a, b):
    assert (observed_level(a) <= observed_level(b)) == (True if a <= b else observed_level(a) == observed_level(b))


# Scoring on synthetic inputs.


def test_perfect_agreement_scores_one():
    intensities = [0.1, 0.3, 0.45, 0.6, 0.8]
    score = score_pairs("x", intensities, [0, 1, 2, 3, 4])
    assert score.spearman == pytest.approx(1.0)
    assert score.agreement == 1.0 and score.within_one == 1.0


def test_reversed_ranks_score_minus_one_and_off_by_one_counts_within_one():
    score = score_pairs("x", [0.3, 0.2, 0.1], [0, 1, 2])
    assert score.spearman == pytest.approx(-1.0)
    assert score.agreement == 0.0 and score.within_one == pytest.approx(2 / 3)  # mapped 1, 0, 0


def test_a_constant_coded_level_has_no_rank_correlation():
    score = score_pairs("x", [0.1, 0.2, 0.3], [2, 2, 2])
    assert score.spearman is None and score.agreement == 0.0 and score.within_one == pytest.approx(1 / 3)
    assert score_pairs("x", [], []).coded == 0


def test_scores_leave_gaps_out_and_pool_the_domains_only():
    years = LAST_YEAR - FIRST_YEAR + 1
    overall = GOOD_CHANGE.replace("2014", "1991").replace("level: 3", "level: 1")
    history = parse(one_track(GOOD_CHANGE) + "\n  overall:\n    changes:\n" + overall, tracks=TRACKS)
    maritime = np.where(np.arange(FIRST_YEAR, LAST_YEAR + 1) >= 2014, 0.6, 0.0)  # level 3 when coded
    mean = np.full(years, 0.3)  # level 1 throughout
    scores = {s.track: s for s in score_history({"overall": mean, "maritime": maritime}, history)}
    assert scores["maritime"].coded == LAST_YEAR - 2014 + 1 and scores["maritime"].agreement == 1.0
    assert scores["overall"].coded == years and scores["overall"].agreement == 1.0
    assert scores["pooled"].coded == scores["maritime"].coded


def test_coded_levels_give_each_coded_year_its_band_and_gaps_none():
    coded = coded_levels(coded_history())
    maritime = dict(zip(coded.years, coded.bands["maritime"], strict=True))
    assert maritime[2013] is None and maritime[2014] == level_band(3)
    assert [level for level, _ in milestone_meanings()] == list(CUT_POINTS)
