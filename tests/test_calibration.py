"""Every parameter and shock kind has provenance, every quote is in its source and says what it supports."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from simulator import default_calibration, default_library
from simulator.base.errors import UserError
from simulator.base.yamlio import parse_yaml
from simulator.inputs.calibration import (
    MEANING_LIMIT,
    PROVENANCE_CLASSES,
    SUPPORT_CLASSES,
    Calibration,
    parse_calibration,
)
from simulator.inputs.shocklib import parse_library

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


# --- What each quote supports (docs/ODD.md §6, docs/provenance.md) ---

PROVENANCE_DOC = Path(__file__).resolve().parent.parent / "docs" / "provenance.md"

MINIMAL = """\
sources:
  s: {cite: "A (2024)", reference: "A. (2024). Title."}
units:
  index: {bounds: [0, 1], meaning: index}
parameters:
  JPN:
    stability:
      meaning: How able the test government is to pass policy.
      value: 0.5
      range: [0.4, 0.6]
      unit: index
"""


def parse_entry(extra: str, minimal: str = MINIMAL) -> Calibration:
    """Parse a one-parameter calibration whose entry ends with ``extra`` (YAML at entry level)."""
    return parse_calibration(parse_yaml(minimal + extra, "my_calibration.yaml"))


def refusal(extra: str, minimal: str = MINIMAL) -> str:
    with pytest.raises(UserError) as caught:
        parse_entry(extra, minimal)
    message = str(caught.value)
    assert "\n" not in message, message
    assert message.startswith("my_calibration.yaml:") and "JPN.stability" in message, message
    return message


def test_every_quote_says_what_it_supports_and_a_value_shows_its_arithmetic():
    for p in default_calibration().values():
        assert p.support_class in PROVENANCE_CLASSES, p.path
        if p.source is None:
            assert p.support is None and p.arithmetic is None, p.path
            continue
        assert p.support in SUPPORT_CLASSES, p.path
        if p.support == "value":
            assert p.arithmetic and "→" in p.arithmetic, f"{p.path}: a value needs 'figure → number' arithmetic"
        else:
            assert p.arithmetic is None and p.assumption, f"{p.path}: a {p.support} quote needs an assumption"


def test_every_shock_kind_says_what_its_quote_supports():
    for kind in default_library().values():
        assert kind.support in SUPPORT_CLASSES, kind.kind
        assert kind.support != "value" or kind.arithmetic, kind.kind


def test_a_quoted_parameter_without_support_is_refused_with_the_fix():
    message = refusal("      source: {ref: s, quote: q}\n      assumption: a\n")
    assert "support: value | direction | context" in message


def test_an_unknown_support_class_is_refused():
    assert "support must be one of value, direction, context" in refusal(
        "      source: {ref: s, quote: q, support: strong}\n      assumption: a\n"
    )


def test_a_value_without_arithmetic_is_refused():
    assert "needs 'arithmetic'" in refusal("      source: {ref: s, quote: q, support: value}\n")


def test_arithmetic_on_a_weaker_class_is_refused():
    assert "belongs to support: value only" in refusal(
        "      source: {ref: s, quote: q, support: direction, arithmetic: 1 → 1}\n      assumption: a\n"
    )


def test_a_direction_without_an_assumption_is_refused():
    assert "add an 'assumption'" in refusal("      source: {ref: s, quote: q, support: direction}\n")


def test_an_unknown_source_key_is_refused():
    assert "unknown key(s)" in refusal(
        "      source: {ref: s, quote: q, support: context, page: 3}\n      assumption: a\n"
    )


def test_support_and_arithmetic_are_carried_on_the_parameter():
    p = parse_entry('      source: {ref: s, quote: q, support: value, arithmetic: "50% → 0.5"}\n')["JPN.stability"]
    assert (p.support, p.arithmetic, p.support_class) == ("value", "50% → 0.5", "value")
    assert parse_entry("      assumption: a\n")["JPN.stability"].support_class == "assumption"


def test_a_shock_kind_without_support_is_refused():
    library = (
        "kinds:\n  k:\n    description: d\n    source: {ref: niquet2024, quote: q}\n"
        "    effects:\n      - {target: JPN.stability, op: add, value: -0.1}\n"
    )
    with pytest.raises(UserError, match=r"k\.source.*support: value \| direction \| context"):
        parse_library(parse_yaml(library, "my_shocks.yaml"), default_calibration())


def test_the_provenance_doc_counts_match_the_calibration():
    """docs/provenance.md states the count of parameters per class; it must match the data."""
    text = PROVENANCE_DOC.read_text(encoding="utf-8")
    counts = Counter(p.support_class for p in default_calibration().values())
    for cls in PROVENANCE_CLASSES:
        row = re.search(rf"^\| `{cls}` \| (\d+) \|", text, re.MULTILINE)
        assert row, f"docs/provenance.md has no count row for {cls}"
        assert int(row.group(1)) == counts[cls], f"docs/provenance.md: {cls} should be {counts[cls]}"
    total = re.search(r"^\| total \| (\d+) \|", text, re.MULTILINE)
    assert total and int(total.group(1)) == len(default_calibration())


def test_every_known_contradiction_is_listed_in_the_provenance_doc():
    text = PROVENANCE_DOC.read_text(encoding="utf-8")
    open_ = [p.path for p in default_calibration().values() if "Known contradiction" in (p.assumption or "")]
    section = text.split("## Known contradictions", 1)[-1].split("\n## ", 1)[0]
    listed = re.findall(r"^- `([^`]+)`", section, re.MULTILINE)
    assert sorted(listed) == sorted(open_), "docs/provenance.md and the calibration disagree on open contradictions"
    if not open_:
        assert "None is open." in section


# --- What each parameter means --------------------------------------------------------------

MEANING_LINE = "      meaning: How able the test government is to pass policy.\n"


def with_meaning(line: str) -> str:
    """The minimal calibration with its meaning line replaced by ``line`` ('' drops it)."""
    assert MEANING_LINE in MINIMAL
    return MINIMAL.replace(MEANING_LINE, line)


def test_every_parameter_has_one_plain_sentence_of_meaning_of_its_own():
    calibration = default_calibration()
    for p in calibration.values():
        assert p.meaning and len(p.meaning) <= MEANING_LIMIT, p.path
        assert p.meaning[0].isupper() and p.meaning.endswith("."), p.path
        assert not re.search(r"[.!?]\s+[A-Z]", p.meaning), f"{p.path}: more than one sentence"
    repeated = [m for m, n in Counter(p.meaning for p in calibration.values()).items() if n > 1]
    assert not repeated, f"meanings shared by several parameters: {repeated}"


def test_meanings_of_a_pattern_name_their_own_parameter():
    calibration = default_calibration()
    assert "Article 9" in calibration["JPN.constraint"].meaning
    assert "member states" in calibration["EU.constraint"].meaning
    assert "maritime" in calibration["maritime.relevance_gray_zone"].meaning
    assert "gray-zone" in calibration["maritime.relevance_gray_zone"].meaning
    assert "the EU and Japan" in calibration["EU_JPN.values"].meaning
    assert "China" in calibration["JPN.salience_CHN"].meaning and "Japan" in calibration["JPN.salience_CHN"].meaning


def test_a_parameter_without_a_meaning_is_refused_with_file_line_and_fix():
    message = refusal("      assumption: a\n", with_meaning(""))
    assert message.startswith("my_calibration.yaml:7 (JPN.stability)"), message
    assert "missing 'meaning'" in message and "add 'meaning:' with one plain sentence" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('      meaning: ""\n', "'meaning' is empty"),
        ("      meaning:\n", "missing 'meaning'"),
        ("      meaning: [a, b]\n", "'meaning' is empty or not text"),
        (f"      meaning: {'Very long words. ' * 15}\n", "more than 200"),
        ("      meaning: One thing. And another thing.\n", "exactly one sentence"),
        ("      meaning: No full stop at the end\n", "exactly one sentence"),
    ],
    ids=["empty", "null", "not-text", "too-long", "two-sentences", "no-stop"],
)
def test_an_unusable_meaning_is_refused_on_its_line(line, expected):
    message = refusal("      assumption: a\n", with_meaning(line))
    assert message.startswith("my_calibration.yaml:8 (JPN.stability)"), message
    assert expected in message, message


def test_the_meaning_is_carried_on_the_parameter_with_whitespace_folded():
    folded = "      meaning: >-\n        How able the test\n        government is.\n"
    p = parse_entry("      assumption: a\n", with_meaning(folded))["JPN.stability"]
    assert p.meaning == "How able the test government is."
