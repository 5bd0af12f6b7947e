"""One owner per output folder: an exclusive lock that dies with its process.

Two ``eujsim`` processes writing one sweep folder, or one tidying away a temporary
folder that another is still filling, would lose data without either noticing. A
folder that is being written therefore holds a lock file (:data:`LOCK_FILE`) locked
with ``flock``. The kernel releases such a lock when its process ends, however it
ends (``kill -9``, power loss aside), so a lock never outlives its owner and there is
never a stale lock to remove by hand. The file also records who holds it (process id
and host), for the message a second process prints.

``flock`` locks are reliable on local file systems; on network file systems (NFS) they
depend on the server, so a sweep folder shared between machines should be written by
one machine at a time (a Dask cluster writes through the one process that runs the sweep).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from simulator.base.errors import UserError

LOCK_FILE = ".eujsim.lock"
"""Name of the lock file inside a folder that is being written."""


class FolderLock:
    """An exclusive, non-blocking lock on a folder, held until :meth:`release` or the process ends.

    Args:
        folder: The folder to own; its lock file is ``folder/.eujsim.lock``.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if no other process (or other :class:`FolderLock`) holds it; never waits.

        Returns:
            True if the lock is now held here, False if someone else holds it.
        """
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (closing the file releases it); the lock file itself stays."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        """Who holds the lock, as 'process N on HOST', or 'another process' when unknown."""
        try:
            pid, _, host = self.path.read_text(encoding="utf-8").strip().partition(" ")
        except (OSError, UnicodeDecodeError):
            return "another process"
        if not pid.isdigit():
            return "another process"
        return f"process {pid}" + (f" on {host}" if host and host != socket.gethostname() else "")

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(folder: str | Path) -> bool:
    """Whether a live process holds ``folder``'s lock (False when the folder has no lock file)."""
    if not (Path(folder) / LOCK_FILE).is_file():
        return False
    probe = FolderLock(folder)
    try:
        if probe.acquire():
            return False
    except OSError:  # cannot open the lock file: treat the folder as someone else's
        return True
    finally:
        probe.release()
    return True


def is_locked_file(path: str | Path) -> bool:
    """Whether a live process holds an ``flock`` on the file ``path`` itself (a temporary file being written)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def owning(folder: str | Path, doing: str) -> Iterator[FolderLock]:
    """Hold ``folder``'s lock for a ``with`` block, or refuse because another process holds it.

    Args:
        folder: An existing folder.
        doing: What the block does, for the message (e.g. ``"resume this sweep"``).

    Raises:
        UserError: if another process holds the lock.
    """
    lock = FolderLock(folder)
    if not lock.acquire():
        raise UserError(
            f"is being written by {lock.holder()}; wait until it finishes before you {doing} "
            "(two processes writing one folder would mix their results)",
            file=folder,
        )
    try:
        yield lock
    finally:
        lock.release()
