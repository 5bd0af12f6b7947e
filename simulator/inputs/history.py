"""The coded history: EU–Japan security cooperation per domain and year, on an ordinal scale.

The model's cooperation intensity is an index on 0–1 that nothing outside the model
measures. ``data/history.yaml`` is the observable side: for each domain (and for the
partnership as a whole, the track ``overall``) the years in which the five source documents
attest that cooperation reached a level of a five-step ordinal scale, each change backed by a
dated passage quoted word for word. Years before a track's first change are gaps, not zeros,
so that nothing the sources do not say is scored. The file's header and ``docs/history.md``
give the coding rules; :mod:`simulator.evaluation.history_fit` maps model intensities onto
the scale and scores the backcast.

A notebook reads it with::

    from simulator.inputs.history import load_history
    history = load_history()
    history.level("maritime", 2015)   # 3
    history.level("space", 2000)      # None: a gap
    history.table()                   # one row per track and year (pandas)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.base.errors import UserError, clip, near_miss, quote
from simulator.base.yamlio import LoadedYaml, parse_yaml, read_yaml
from simulator.inputs.calibration import Source, default_calibration

if TYPE_CHECKING:
    import pandas as pd

FIRST_YEAR = 1991
"""First year of the coded history: the start of the backcast and of the Hague Declaration."""
LAST_YEAR = 2024
"""Last year coded: the backcast ends in 2024Q4 and the sources were written in 2024–2025."""

LEVEL_NAMES: Mapping[int, str] = {
    0: "none",
    1: "dialogue or declaration",
    2: "framework or agreement",
    3: "regular joint activity",
    4: "operational integration",
}
"""The ordinal scale, lowest first. The coding rule of each level is in the file's header and
docs/history.md; a level is the most demanding description a source attests."""

TRACK_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
ENTRY_KEYS = frozenset({"year", "level", "source", "quote", "note"})
TRACK_KEYS = frozenset({"changes", "notes"})

Reporter = Callable[[str, tuple[str | int, ...]], None]
"""Records one mistake: its message and where in the file it is."""


@dataclass(frozen=True)
class Change:
    """One coded change: from ``year`` on, the track's level is ``level``.

    Attributes:
        track: Domain name, or ``overall`` for the partnership as a whole.
        year: Year of the event that moved the level.
        level: Ordinal level from that year on (a key of :data:`LEVEL_NAMES`).
        source: The supporting document.
        quote: Passages of ``source``, word for word; the first names the year.
        note: Why this level, in the coder's words.
    """

    track: str
    year: int
    level: int
    source: Source
    quote: tuple[str, ...]
    note: str

    @property
    def level_name(self) -> str:
        """The level in words, e.g. 'framework or agreement'."""
        return LEVEL_NAMES[self.level]


@dataclass(frozen=True)
class Track:
    """The coded changes of one domain (or ``overall``), in time order.

    Attributes:
        name: Domain name or ``overall``.
        changes: The changes, years strictly increasing, each changing the level.
        notes: What the sources say that did not move the level, and why.
    """

    name: str
    changes: tuple[Change, ...]
    notes: str

    def level(self, year: int) -> int | None:
        """The coded level in ``year``, or None before the first change (a gap)."""
        current = None
        for change in self.changes:
            if change.year > year:
                break
            current = change.level
        return current

    @property
    def coded_years(self) -> list[int]:
        """Years of the history that have a coded level (from the first change to the last year)."""
        if not self.changes:
            return []
        return list(range(self.changes[0].year, LAST_YEAR + 1))


class CodedHistory(Mapping[str, Track]):
    """Read-only mapping from track name to :class:`Track`, in file order."""

    def __init__(self, tracks: dict[str, Track], origin: str) -> None:
        self._tracks = tracks
        self.origin = origin

    def __getitem__(self, name: str) -> Track:
        return self._tracks[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tracks)

    def __len__(self) -> int:
        return len(self._tracks)

    @property
    def years(self) -> range:
        """The years of the history, 1991–2024."""
        return range(FIRST_YEAR, LAST_YEAR + 1)

    def level(self, track: str, year: int) -> int | None:
        """The coded level of ``track`` in ``year``, or None for a gap.

        Raises:
            KeyError: for an unknown track or a year outside 1991–2024, naming the valid ones,
                since a silent None there would read as a gap.
        """
        if track not in self._tracks:
            raise KeyError(f"no track {track!r}; tracks: {', '.join(self._tracks)}")
        if year not in self.years:
            raise KeyError(f"year {year} is outside the coded history {FIRST_YEAR}–{LAST_YEAR}")
        return self._tracks[track].level(year)

    def changes(self) -> list[Change]:
        """Every coded change, track by track in file order."""
        return [c for t in self._tracks.values() for c in t.changes]

    def coded_count(self, tracks: Sequence[str] | None = None) -> tuple[int, int]:
        """(coded, gap) track-years over ``tracks`` (default: all)."""
        names = list(tracks) if tracks is not None else list(self._tracks)
        coded = sum(len(self._tracks[n].coded_years) for n in names)
        return coded, len(names) * len(self.years) - coded

    def table(self) -> pd.DataFrame:
        """One row per track and year, for notebooks and the report.

        Columns: ``track``, ``year``, ``level`` (nullable integers; NA is a gap),
        ``level_name``, and for a year with a change its ``source`` (citation) and ``note``.
        pandas is imported here, so that loading the history needs no heavy library.
        """
        import pandas as pd

        rows = []
        for track in self._tracks.values():
            by_year = {c.year: c for c in track.changes}
            for year in self.years:
                level = track.level(year)
                change = by_year.get(year)
                rows.append(
                    {
                        "track": track.name,
                        "year": year,
                        "level": level,
                        "level_name": LEVEL_NAMES[level] if level is not None else None,
                        "source": change.source.cite if change else None,
                        "note": change.note if change else None,
                    }
                )
        table = pd.DataFrame(rows)
        table["level"] = table["level"].astype("Int64")
        return table


class HistoryErrors(UserError):
    """Every mistake found in a history file, one line each (file:line (track.changes[i].field): fix).

    A hand-coded file is easier to fix when all of its mistakes are listed at once.

    Attributes:
        problems: The mistakes, each a one-line :class:`UserError`.
    """

    def __init__(self, problems: list[UserError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _passages(value: object) -> tuple[str, ...] | None:
    """A quote as a tuple of non-empty passages, or None if it is neither a string nor a list of them."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
        return None
    return tuple(" ".join(x.split()) for x in items)


def parse_history(
    loaded: LoadedYaml, *, tracks: Sequence[str] | None = None, sources: Mapping[str, Source] | None = None
) -> CodedHistory:
    """Build a :class:`CodedHistory` from parsed YAML, checking every entry.

    Args:
        loaded: The parsed file.
        tracks: The allowed track names (the model's domains and ``overall``); None accepts any
            lower-case name. This layer cannot import the model's vocabulary, so the evaluation
            passes it.
        sources: Source keys allowed (default: the calibration's ``sources``).

    Raises:
        HistoryErrors: listing every mistake, one line each.
    """
    sources = default_calibration().sources if sources is None else sources
    problems: list[UserError] = []

    def fail(message: str, where: tuple[str | int, ...]) -> None:
        field = ".".join(str(w) if isinstance(w, str) else f"[{w}]" for w in where).replace(".[", "[")
        problems.append(UserError(message, file=loaded.path, line=loaded.line_of(where), field=field or None))

    data = loaded.data
    if not isinstance(data, dict) or set(data) != {"tracks"} or not isinstance(data["tracks"], dict):
        fail("a history file is a mapping with one key, 'tracks', mapping each track to its 'changes'", ())
        raise HistoryErrors(problems)
    built: dict[str, Track] = {}
    for name, body in data["tracks"].items():
        where: tuple[str | int, ...] = ("tracks", str(name))
        if not isinstance(name, str) or not TRACK_NAME.match(name):
            fail(f"track name {quote(name)} must be a lower-case name such as maritime", where)
            continue
        if tracks is not None and name not in tracks:
            fail(f"unknown track '{clip(name)}'{near_miss(name, tracks)} (tracks: {', '.join(tracks)})", where)
            continue
        if not isinstance(body, dict) or not isinstance(body.get("changes"), list):
            fail("a track is a mapping with a list 'changes' and optional 'notes'", where)
            continue
        if unknown := set(map(str, body)) - TRACK_KEYS:
            fail(f"unknown key(s) {quote(sorted(unknown))}; a track has 'changes' and 'notes'", where)
        changes: list[Change] = []
        for i, entry in enumerate(body["changes"]):
            at = (*where, "changes", i)
            before = len(problems)
            change = _parse_change(entry, name, at, sources, fail)
            if change is None or len(problems) > before:
                continue
            if changes and change.year <= changes[-1].year:
                fail(
                    f"year {change.year} is not after the previous change ({changes[-1].year}); "
                    "list changes in time order, one per year",
                    (*at, "year"),
                )
            elif changes and change.level == changes[-1].level:
                fail(
                    f"level {change.level} repeats the previous change's level; "
                    "code changes only and move the evidence to the track's 'notes'",
                    (*at, "level"),
                )
            else:
                changes.append(change)
        notes = body.get("notes", "")
        if not isinstance(notes, str):
            fail("'notes' must be text", (*where, "notes"))
        built[name] = Track(name, tuple(changes), " ".join(str(notes).split()))
    if problems:
        raise HistoryErrors(problems)
    return CodedHistory(built, loaded.path)


def _parse_change(
    entry: object, track: str, at: tuple[str | int, ...], sources: Mapping[str, Source], fail: Reporter
) -> Change | None:
    """One entry of a track's ``changes``, or None after reporting what is wrong with it."""
    if not isinstance(entry, dict):
        fail("each change is a mapping with year, level, source, quote and note", at)
        return None
    if unknown := set(map(str, entry)) - ENTRY_KEYS:
        fail(f"unknown key(s) {quote(sorted(unknown))}; a change has {', '.join(sorted(ENTRY_KEYS))}", at)
    if missing := ENTRY_KEYS - set(entry):
        fail(f"missing {', '.join(sorted(missing))}", at)
        return None
    year, level, key, note = entry["year"], entry["level"], entry["source"], entry["note"]
    ok = True
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        fail(f"year {quote(year)} must be a whole year from {FIRST_YEAR} to {LAST_YEAR}", (*at, "year"))
        ok = False
    if isinstance(level, bool) or level not in LEVEL_NAMES:
        scale = ", ".join(f"{k} {v}" for k, v in LEVEL_NAMES.items())
        fail(f"level {quote(level)} is not on the scale ({scale})", (*at, "level"))
        ok = False
    if not isinstance(key, str) or key not in sources:
        fail(
            f"source {quote(key)} is not a key of the calibration's 'sources'{near_miss(str(key), sources)}",
            (*at, "source"),
        )
        ok = False
    passages = _passages(entry["quote"])
    if passages is None:
        fail("quote must be a passage of the source, or a list of passages, copied word for word", (*at, "quote"))
        ok = False
    elif ok and not any(str(year) in p for p in passages):
        fail(f"no passage of the quote names the year {year}; quote the sentence that dates the change", (*at, "quote"))
        ok = False
    if not isinstance(note, str) or not note.strip():
        fail("note must say, in your own words, why this level", (*at, "note"))
        ok = False
    if not ok:
        return None
    return Change(track, year, level, sources[key], passages, " ".join(note.split()))


def default_history_text() -> str:
    """The text of the history file shipped with the package."""
    return resources.files("simulator.data").joinpath("history.yaml").read_text(encoding="utf-8")


def load_history(path: str | Path | None = None, *, tracks: Sequence[str] | None = None) -> CodedHistory:
    """Load a history file, or the packaged ``data/history.yaml`` when ``path`` is None.

    Args:
        path: The file; None for the shipped one.
        tracks: Allowed track names (see :func:`parse_history`).

    Raises:
        UserError: if the file cannot be read or parsed; :class:`HistoryErrors` for its mistakes.
    """
    loaded = parse_yaml(default_history_text(), "simulator/data/history.yaml") if path is None else read_yaml(path)
    return parse_history(loaded, tracks=tracks)
