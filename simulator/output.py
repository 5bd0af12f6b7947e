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
from collections.abc import Iterator
from pathlib import Path

from simulator.errors import UserError


def free_folder(base: Path) -> Path:
    """Return ``base`` if it does not exist, else the first free ``base-2``, ``base-3`` and so on."""
    if not base.exists():
        return base
    n = 2
    while (candidate := base.with_name(f"{base.name}-{n}")).exists():
        n += 1
    return candidate


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
