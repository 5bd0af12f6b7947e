"""Safe writing of result folders: never overwrite by accident, never leave half a folder.

A result is written into a hidden temporary folder beside its destination and
renamed into place only when complete. Replacing an existing folder needs an
explicit ``force``, reaches only a folder eujsim wrote itself (see
:mod:`simulator.ownership`), and is itself done by rename, so a crash at any point
leaves either the old folder or the new one, never a mix.

A temporary folder is locked (:mod:`simulator.locks`) while its process writes it.
A process killed outright leaves its temporary folder behind, unlocked; the next
write into the same parent folder removes it (:func:`remove_abandoned`), so killed
runs do not pile up hidden folders.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from simulator.errors import UserError
from simulator.locks import LOCK_FILE, FolderLock, is_locked
from simulator.ownership import FolderKind, check_replaceable

RESULTS_ROOT = Path("results")
"""Where ``eujsim run`` puts result folders when no ``--out`` is given."""

MAX_NAME_BYTES = 80
"""Longest folder name derived from a file or scenario name, in UTF-8 bytes: far below the
255 bytes file systems allow, so that a numbered suffix and the temporary prefix still fit."""

PARTIAL = ".partial-"
"""Marks the temporary folder an atomic write fills (``.NAME.partial-XXXXXXXX``)."""
REPLACED = ".replaced"
"""Suffix of the folder a forced replacement moves the old result into, until it is deleted."""
ABANDONED_AFTER = 600.0
"""Seconds after which an unlocked temporary without a lock file counts as abandoned. Temporaries
written by this version are locked from the moment they exist, so the age matters only for the
instants around creation and for temporaries of older versions, which had no lock."""
TEMPORARY_FILE_GRACE = 5.0
"""Seconds an unlocked temporary file is left alone: :func:`atomic_file` locks its file the
instant it exists, and an older version's file lived only as long as one write."""


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


def folder_name(stem: str, fallback: str = "run") -> str:
    """A safe folder name for a file stem or scenario name: one plain entry of its parent folder.

    Anything but letters, digits and ``-_.`` becomes ``_``; leading and trailing dots go, so
    the name is never ``.``, ``..`` or hidden; it is cut to :data:`MAX_NAME_BYTES`. A name
    with nothing left (a file named ``..yaml``) becomes ``fallback``.
    """
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip(".")
    safe = safe.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(".")
    return safe or fallback


def distinct_names(stems: Sequence[str], fallback: str = "run") -> list[str]:
    """:func:`folder_name` of each stem, numbered ``-2``, ``-3`` … where two would be the same folder.

    Names that differ only in case count as the same, as they are on macOS and Windows.
    """
    names: list[str] = []
    for stem in stems:
        base = folder_name(stem, fallback)
        name, n = base, 2
        while name.casefold() in {taken.casefold() for taken in names}:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


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
        check_destination(out, force, "run")
        return [out]
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(
            "exists and is a file; with several scenarios --out names the folder that holds their result folders",
            file=out,
        )
    folders: list[Path] = []
    for name in distinct_names(stems):
        base = (root if out is None else out) / name
        folder = free_folder(base, taken=folders, existing_taken=out is None)
        check_destination(folder, force, "run")
        folders.append(folder)
    return folders


def check_destination(out: Path, force: bool, kind: FolderKind) -> None:
    """Fail early, before any simulation, if ``out`` cannot be written.

    Args:
        out: The result folder to write.
        force: Whether an existing folder may be replaced; it must then be an idle folder
            of ``kind`` that holds only what eujsim wrote (:func:`simulator.ownership.check_replaceable`).
        kind: The kind of result that will be written.
    """
    if out.name in ("", ".", "..") or _contains_cwd(out):
        raise UserError(
            "is the current folder or one that contains it; give a new folder for the results, e.g. --out results/run1",
            file=out,
        )
    if out.exists() and not out.is_dir():
        raise UserError("exists and is a file; choose another --out folder", file=out)
    if out.exists() and not force:
        raise UserError(
            "already exists; results are never overwritten: choose another --out, or add --force to replace it",
            file=out,
        )
    if out.exists():
        check_replaceable(out, kind)
    check_writable(out)


def check_writable(out: Path) -> None:
    """Refuse ``out`` if its nearest existing ancestor is not a folder this process may write into.

    Raises:
        UserError: naming that ancestor.
    """
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"cannot be created: '{probe}' is not a writable folder; choose another --out", file=out)


def _contains_cwd(out: Path) -> bool:
    """Whether ``out`` is the current folder or one of its ancestors (it could not be replaced by rename)."""
    try:
        here, target = Path.cwd().resolve(), out.resolve()
    except OSError:
        return False
    return target == here or target in here.parents


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it briefly)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_folder(out: Path, kind: FolderKind, *, force: bool = False) -> Iterator[Path]:
    """Yield a locked temporary folder; on success move it to ``out`` atomically.

    Abandoned temporaries of killed writers in ``out``'s parent are removed first. A
    write error without a file name (a full disk) is reported with ``out``'s name.

    Raises:
        UserError: if ``out`` exists and ``force`` is False, or cannot be written or replaced.
    """
    check_destination(out, force, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{PARTIAL}", dir=out.parent))
    lock = FolderLock(tmp)
    try:
        lock.acquire()
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); a result folder is an ordinary folder
        yield tmp
        if out.exists():
            check_destination(out, force, kind)  # it may have changed while the result was computed
            old = tmp.with_name(tmp.name + REPLACED)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
        (out / LOCK_FILE).unlink(missing_ok=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _named(exc, out) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        lock.release()


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` with ``path`` as its file name when it has none (a full disk names no file)."""
    if exc.filename is not None or exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def _age(path: Path) -> float:
    try:
        return time.time() - path.lstat().st_mtime
    except OSError:
        return 0.0


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the temporaries that killed eujsim processes left in ``parent``; return what was removed.

    A temporary folder (``.NAME.partial-…``) is abandoned once no process holds its lock
    (or, without a lock file, once it is :data:`ABANDONED_AFTER` seconds old). The old result
    a forced replacement had moved aside (``….replaced``) is put back where it was if the
    new one never arrived, and removed otherwise. Temporary files of atomic file writes
    (``.NAME.XXXX.tmp``) are removed once no process holds them.
    """
    removed: list[Path] = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or entry.is_symlink():
            continue
        if PARTIAL in name and entry.is_dir():
            if _abandoned_folder(entry):
                if name.endswith(REPLACED):
                    destination = parent / name[1:].rpartition(PARTIAL)[0]
                    if not destination.exists():
                        with contextlib.suppress(OSError):
                            os.replace(entry, destination)
                            continue
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif name.endswith(".tmp") and entry.is_file() and _abandoned_file(entry):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _abandoned_folder(folder: Path) -> bool:
    """Whether no live process is writing ``folder`` (a temporary, or the old result it replaces)."""
    owner = folder.with_name(folder.name.removesuffix(REPLACED))
    if owner != folder and not owner.exists():
        return True  # the old result of a replacement whose new result has been moved into place
    if is_locked(owner):
        return False
    if (owner / LOCK_FILE).is_file():
        return True
    return _age(folder) > ABANDONED_AFTER


def _abandoned_file(path: Path) -> bool:
    """Whether no live process holds the temporary file ``path`` (its writer keeps it locked)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return _age(path) > TEMPORARY_FILE_GRACE


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once the block has written it, rename it to ``path``.

    A crash at any point leaves either the old file or the new one, never half a file. The
    file gets the permissions of any newly created file, like :func:`atomic_folder`'s folders
    (the temporary file alone would be private). The temporary file stays locked while it is
    written, so that :func:`remove_abandoned` removes it only once its writer is gone; a write
    error without a file name (a full disk) is reported with ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the rename, so remove_abandoned leaves it alone
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _named(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`atomic_file`, so a crash never leaves half a file."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
