"""Safe writing of result folders: never overwrite by accident, never leave half a folder.

A result is written into a hidden temporary folder beside its destination and
renamed into place only when complete. Replacing an existing folder needs an
explicit ``force`` and is itself done by rename, so a crash at any point leaves
either the old folder or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from simulator.errors import UserError

RESULTS_ROOT = Path("results")
"""Where ``eujsim run`` puts result folders when no ``--out`` is given."""


def free_folder(base: Path, taken: Collection[Path] = (), *, existing_taken: bool = True) -> Path:
    """Return ``base`` if it is free, else the first free ``base-2``, ``base-3`` and so on.

    Args:
        base: The preferred folder.
        taken: Folders already promised to other runs of the same command but not yet
            written; they count as taken so that two runs planned together never get the
            same folder.
        existing_taken: Whether a folder that exists on disk counts as taken too (False
            under ``--out``, where an existing folder is refused or, with ``--force``, replaced).
    """
    candidate, n = base, 2
    while candidate in taken or (existing_taken and candidate.exists()):
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate


def folder_name(stem: str) -> str:
    """A result folder name for a scenario file stem: anything but letters, digits, ``-_.`` becomes ``_``."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "run"


def result_folders(
    stems: Sequence[str],
    out: Path | None = None,
    *,
    force: bool = False,
    out_is_parent: bool = True,
    root: Path = RESULTS_ROOT,
) -> list[Path]:
    """Choose and check the result folder of every scenario of one command, before any runs.

    Planning every folder up front means a destination problem in the last scenario is
    reported before the first one spends time simulating, and that two scenario files
    with the same name (``a/base.yaml``, ``b/base.yaml``) never write to one folder: the
    second gets ``base-2``, the third ``base-3``.

    Args:
        stems: Scenario file stems, in run order.
        out: ``--out``: the result folder itself when ``out_is_parent`` is False (one
            scenario only), otherwise the folder that holds one ``<stem>`` folder per scenario.
        force: Allow replacing existing folders under ``out``. Without ``out`` folders are
            numbered past existing ones instead, so nothing is ever replaced.
        out_is_parent: Whether ``out`` is a parent folder (several scenarios, or a folder of them).
        root: Parent folder when ``out`` is not given.

    Returns:
        One folder per stem, in the same order.

    Raises:
        UserError: if a folder exists (without ``force``) or cannot be created.
    """
    if out is not None and not out_is_parent:
        if len(stems) != 1:
            raise ValueError("a single --out result folder needs exactly one scenario")
        check_destination(out, force)
        return [out]
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(
            "exists and is a file; with several scenarios --out names the folder that holds their result folders",
            file=out,
        )
    folders: list[Path] = []
    for stem in stems:
        base = (root if out is None else out) / folder_name(stem)
        folder = free_folder(base, taken=folders, existing_taken=out is None)
        check_destination(folder, force)
        folders.append(folder)
    return folders


def check_destination(out: Path, force: bool) -> None:
    """Fail early, before any simulation, if ``out`` cannot be written."""
    if out.exists() and not out.is_dir():
        raise UserError("exists and is a file; choose another --out folder", file=out)
    if out.exists() and not force:
        raise UserError(
            "already exists; results are never overwritten: choose another --out, or add --force to replace it",
            file=out,
        )
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"cannot be created: '{probe}' is not a writable folder; choose another --out", file=out)


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it briefly)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_folder(out: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success move it to ``out`` atomically.

    Raises:
        UserError: if ``out`` exists and ``force`` is False, or cannot be written.
    """
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); a result folder is an ordinary folder
    try:
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once the block has written it, rename it to ``path``.

    A crash at any point leaves either the old file or the new one, never half a file. The
    file gets the permissions of any newly created file, like :func:`atomic_folder`'s folders
    (the temporary file alone would be private).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`atomic_file`, so a crash never leaves half a file."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
