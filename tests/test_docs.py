"""The documentation stands alone and agrees with the command line.

Every file the docs point to is in the repository, no tracked file cites a design note users do
not have, and every option of every command says what it does without argparse escapes leaking
into ``--help``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from simulator.cli.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout")
    files = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        files.append(path)
    return files


def test_no_tracked_file_cites_the_internal_design_note():
    name = "MODEL" + ".md"  # spelt apart so this file does not cite it either
    citing = [
        str(path.relative_to(ROOT))
        for path in _tracked_text_files()
        if name.lower() in path.read_bytes().decode("utf-8", errors="ignore").lower()
    ]
    assert not citing, f"these files cite {name}, which is not in the repository: {citing}"


def _relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks hold no links
    targets = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.IGNORECASE) or target.startswith("#"):
            continue  # a web address, mailto: or a heading of the same page
        targets.append(target)
    return targets


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_that_exists(page):
    missing = []
    for target in _relative_links(page):
        file = target.split("#", 1)[0].split("?", 1)[0]
        if file and not (page.parent / file).exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_the_link_check_finds_links():
    assert "docs/ODD.md" in _relative_links(ROOT / "README.md")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"eujsim": parser, **sub.choices}


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_has_help(name):
    command = _commands()[name]
    bare = [
        "/".join(action.option_strings) or action.dest
        for action in command._actions
        if not isinstance(action, argparse._SubParsersAction) and action.help != argparse.SUPPRESS
        if not (action.help or "").strip()
    ]
    assert not bare, f"`{name}` options without help text: {bare}"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_prints_no_argparse_escapes(name):
    text = _commands()[name].format_help()
    assert "%%" not in text
    assert "%(" not in text


def test_the_readme_lists_every_shipped_scenario():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert scenario.stem in readme, f"README.md does not mention scenarios/{scenario.name}"


def _odd_sections() -> set[str]:
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    headings = re.findall(r"^#{2,4} (\d+(?:\.\d+)*) ", text, flags=re.MULTILINE)
    run_in = re.findall(r"^\*\*(\d+\.\d+) ", text, flags=re.MULTILINE)  # the design concepts of §4
    return set(headings) | set(run_in)


def test_every_odd_section_cited_exists():
    sections = _odd_sections()
    assert {"1.2", "4.9", "7.15"} <= sections
    dangling = []
    for path in _tracked_text_files():
        if path.suffix not in {".md", ".py", ".yaml"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        pattern = r"§(\d+(?:\.\d+)*)" if path.name == "ODD.md" else r"ODD[^§\n]{0,20}§(\d+(?:\.\d+)*)"
        dangling += [f"{path.relative_to(ROOT)} §{s}" for s in re.findall(pattern, text) if s not in sections]
    assert not dangling, f"citations of ODD sections that do not exist: {dangling}"
