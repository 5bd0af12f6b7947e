"""Safe writing of result folders: never overwrite by accident, never leave half a folder.

A result is written into a hidden temporary folder beside its destination and
renamed into place only when complete. Replacing an existing folder needs an
explicit ``force``, reaches only a folder eujsim wrote itself (see
:mod:`simulator.storage.ownership`), and is itself done by rename, so a crash at any point
leaves either the old folder or the new one, never a mix.

A temporary folder is locked (:mod:`simulator.storage.locks`) while its process writes it.
A process killed outright leaves its temporary folder behind, unlocked; the next
write into the same parent folder removes it (:func:`remove_abandoned`), so killed
runs do not pile up hidden folders.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from simulator.base.errors import UserError
from simulator.storage.locks import LOCK_FILE, FolderLock, is_locked, is_locked_file
from simulator.storage.ownership import (
    PARTIAL,
    REPLACED,
    TEMPORARY_FILE,
    TEMPORARY_FILE_NAME,
    TEMPORARY_FOLDER_NAME,
    FolderKind,
    check_replaceable,
    is_temporary,
)

RESULTS_ROOT = Path("results")
"""Where ``eujsim run`` puts result folders when no ``--out`` is given."""

MAX_NAME_BYTES = 80
"""Longest folder name derived from a file or scenario name, in UTF-8 bytes: far below the
255 bytes file systems allow, so that a numbered suffix and the temporary prefix still fit."""


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
    inputs: Sequence[str | Path] = (),
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
        inputs: The scenario files, which no replaced folder may hold.

    Returns:
        One folder per stem, in the same order.

    Raises:
        UserError: if a folder exists (without ``force``) or cannot be created.
    """
    if out is not None and not out_is_parent:
        if len(stems) != 1:
            raise ValueError("a single --out result folder needs exactly one scenario")
        check_destination(out, force, "run", inputs)
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
        check_destination(folder, force, "run", inputs)
        folders.append(folder)
    return folders


def check_destination(out: Path, force: bool, kind: FolderKind, inputs: Sequence[str | Path] = ()) -> None:
    """Fail early, before any simulation, if ``out`` cannot be written.

    Args:
        out: The result folder to write.
        force: Whether an existing folder may be replaced; it must then be an idle folder
            of ``kind`` that holds only what eujsim wrote (:func:`simulator.storage.ownership.check_replaceable`).
        kind: The kind of result that will be written.
        inputs: What the command reads (scenario files, result folders): replacing a folder
            that holds one of them would delete the command's own input.
    """
    if out.name in ("", ".", "..") or _contains_cwd(out):
        raise UserError(
            "is the current folder or one that contains it; give a new folder for the results, e.g. --out results/run1",
            file=out,
        )
    if is_temporary(out.name):
        raise UserError("is named like a temporary folder of eujsim's; choose another --out", file=out)
    if out.is_symlink():
        raise UserError(
            f"is a symbolic link (to {os.readlink(out)}); give a real folder as --out, e.g. the one it points to",
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
        _check_holds_no_input(out, inputs)
    check_writable(out)


def _check_holds_no_input(out: Path, inputs: Sequence[str | Path]) -> None:
    """Refuse to replace ``out`` when one of the command's inputs lies inside it (or is it)."""
    try:
        target = out.resolve()
    except OSError:
        return
    for item in inputs:
        try:
            path = Path(item).resolve()
        except OSError:
            continue
        if path == target or target in path.parents:
            raise UserError(
                f"holds {item}, which this command reads; --force would delete it: choose another --out",
                file=out,
            )


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


class AtomicFolder:
    """A result folder written whole: a locked temporary folder, renamed into place when complete.

    Use it as ``with atomic_folder(out, kind) as tmp:``, writing everything into ``tmp``.
    Abandoned temporaries of killed writers in ``out``'s parent are removed first. A write
    error without a file name (a full disk) is reported with ``out``'s name.

    Attributes:
        destination: Where the result ends up: ``out``, or with ``renumber`` the next free
            ``out-2``, ``out-3`` … if another process took ``out`` meanwhile.
        lock: With ``keep_lock``, once the folder is in place: the lock its temporary folder held,
            now on ``destination``, which the caller releases; else None.
    """

    def __init__(
        self, out: Path, kind: FolderKind, *, force: bool = False, renumber: bool = False, keep_lock: bool = False
    ) -> None:
        self.destination = Path(out)
        self._base = self.destination  # what the numbers of a renumbered destination count from
        self.kind: FolderKind = kind
        self.force = force
        self.renumber = renumber
        self.keep_lock = keep_lock
        self.lock: FolderLock | None = None
        self._tmp: Path | None = None
        self._lock: FolderLock | None = None

    def __enter__(self) -> Path:
        if self.renumber and not self.force and self.destination.exists():
            self.destination = free_folder(self._base)
        out = self.destination
        check_destination(out, self.force, self.kind)
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{PARTIAL}", dir=out.parent))
        self._tmp, self._lock = tmp, FolderLock(tmp)
        try:
            self._lock.acquire()
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); a result folder is an ordinary folder
        except BaseException:
            self._discard()
            raise
        return tmp

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        assert self._tmp is not None and self._lock is not None
        moved = False
        try:
            if exc is None:
                self._move_into_place(self._tmp)
                moved = True
        except OSError as error:
            self._discard()
            raise _named(error, self.destination) from error
        except BaseException:
            self._discard()
            raise
        finally:
            if moved and self.keep_lock:  # the lock file moved with the folder; its flock is still held here
                self._lock.folder, self._lock.path = self.destination, self.destination / LOCK_FILE
                self.lock = self._lock
            else:
                self._lock.release()
        if exc is not None:
            self._discard()
            if isinstance(exc, OSError) and exc.filename in (None, str(self._tmp)):
                raise _named(exc, self.destination) from exc

    def _move_into_place(self, tmp: Path) -> None:
        out = self.destination
        if out.exists() and self.renumber and not self.force:
            out = self.destination = free_folder(self._base)
        if out.exists():
            check_destination(out, self.force, self.kind)  # it may have changed while the result was computed
            old = tmp.with_name(tmp.name + REPLACED)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            while True:  # never onto a folder that appeared meanwhile (os.rename refuses a non-empty one)
                try:
                    os.rename(tmp, out)
                    break
                except OSError as error:  # another process took it since it was checked
                    if not (self.renumber and not self.force and error.errno in (errno.EEXIST, errno.ENOTEMPTY)):
                        raise
                    out = self.destination = free_folder(self._base)
        if not self.keep_lock:
            (out / LOCK_FILE).unlink(missing_ok=True)

    def _discard(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def atomic_folder(
    out: Path, kind: FolderKind, *, force: bool = False, renumber: bool = False, keep_lock: bool = False
) -> AtomicFolder:
    """Write the result folder ``out`` of ``kind`` whole or not at all (see :class:`AtomicFolder`).

    Args:
        out: The result folder.
        kind: The kind of result, for what ``force`` may replace.
        force: Replace an existing ``out`` (only an idle folder of ``kind`` that holds only what eujsim wrote).
        renumber: If ``out`` appears while the result is being computed (another process chose the
            same default folder), write to the next free ``out-2``, ``out-3`` … instead of failing.
        keep_lock: Keep the folder locked once it is in place (:attr:`AtomicFolder.lock`), so that no
            other process can take it before the caller has finished writing it (a sweep).

    Raises:
        UserError: if ``out`` exists and ``force`` is False, or cannot be written or replaced.
    """
    return AtomicFolder(out, kind, force=force, renumber=renumber, keep_lock=keep_lock)


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` with ``path`` as its file name when it names none or only a temporary (a full disk names no file)."""
    if exc.errno is None:
        return exc
    if exc.filename is not None and not is_temporary(Path(str(exc.filename)).name):
        return exc
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the temporaries that killed eujsim processes left in ``parent``; return what was removed.

    Only entries named as eujsim names its temporaries are touched
    (:data:`~simulator.storage.ownership.TEMPORARY_FOLDER_NAME`,
    :data:`~simulator.storage.ownership.TEMPORARY_FILE_NAME`).
    A temporary folder is abandoned once no process holds the lock file inside it; one without
    a lock file (from a version before the lock, or in the instant after its creation) is left
    alone. The old result a forced replacement had moved aside (``….replaced``) is put back where
    it was if the new one never arrived, and removed otherwise. A temporary file is removed
    once no process holds it (its writer locks it the instant it exists, and writes it by name,
    so a file removed in that instant is simply written again).
    """
    removed: list[Path] = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if entry.is_symlink():
            continue
        if TEMPORARY_FOLDER_NAME.match(name) and entry.is_dir():
            if name.endswith(REPLACED):
                if _moved_aside_and_abandoned(entry):
                    destination = parent / name[1:].rpartition(PARTIAL)[0]
                    if not destination.exists():
                        with contextlib.suppress(OSError):
                            os.rename(entry, destination)
                            continue
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
            elif (entry / LOCK_FILE).is_file() and not is_locked(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif TEMPORARY_FILE_NAME.match(name) and entry.is_file() and not is_locked_file(entry):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _moved_aside_and_abandoned(folder: Path) -> bool:
    """Whether the writer that moved this old result aside is gone (or has already put the new one in place)."""
    owner = folder.with_name(folder.name.removesuffix(REPLACED))
    if not owner.exists():
        return True  # the new result has been moved into place; the writer is deleting the old one, or died doing so
    return (owner / LOCK_FILE).is_file() and not is_locked(owner)


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMPORARY_FILE}", suffix=".tmp")
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
