"""Every parameter and shock kind has provenance, and every quote is in its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator import default_calibration, default_library

from .conftest import SEEDS, SHOCK_KINDS

REQUIRED_KINDS = set(SHOCK_KINDS)
SOURCE_FILES = {
    "buyukarslan2025": "000_d4b689e85e445db2.txt",
    "newsreport2024": "001_c76a83e0a414741a.txt",
    "roy2024": "002_1dc603fb90e753c7.txt",
    "lenhart2024": "003_412aeb19f5fa2291.txt",
    "niquet2024": "004_79e44fa65392a313.txt",
}


def normalise(text: str) -> str:
    """Fold whitespace and typographic quotes so a quote matches across line breaks."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def source_text(key: str) -> str:
    path = SEEDS / SOURCE_FILES[key]
    if not path.exists():
        pytest.skip(f"source documents not found at {SEEDS} (they sit in ../shared/seeds beside the checkout)")
    return normalise(path.read_text(encoding="utf-8"))


def test_every_parameter_has_a_source_or_an_assumption_and_a_sane_range():
    calibration = default_calibration()
    assert len(calibration) > 100
    for p in calibration.values():
        assert p.source is not None or p.assumption, p.path
        assert p.low <= p.value <= p.high, p.path
        assert p.bounds[0] <= p.low and p.high <= p.bounds[1], p.path
        if p.source is not None:
            assert p.quote, p.path


def test_every_quoted_sentence_appears_verbatim_in_its_source():
    calibration = default_calibration()
    quoted = [(p.path, p.source.key, p.quote) for p in calibration.values() if p.source]
    quoted += [(f"shock {k.kind}", k.source.key, k.quote) for k in default_library().values() if k.source]
    missing = [path for path, key, quote in quoted if normalise(quote) not in source_text(key)]
    assert not missing, f"quotes not found in their source: {missing}"


def test_all_ten_shock_kinds_exist_with_description_and_source():
    library = default_library()
    assert set(library) >= REQUIRED_KINDS
    for kind in library.values():
        assert kind.description and kind.effects
        assert kind.source is not None and kind.quote


def test_sources_are_cited_by_author_and_year_not_file_name():
    for source in default_calibration().sources.values():
        assert re.search(r"\(20\d\d\)", source.cite), source.cite
        assert ".txt" not in source.reference


def test_scenario_files_override_only_known_parameters():
    from simulator import load_scenario

    for path in sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        assert set(scenario.parameters) <= set(default_calibration())
