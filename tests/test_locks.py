"""The folder lock: one owner at a time, released when its process dies, even by kill -9."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from simulator.base.errors import UserError
from simulator.storage.locks import LOCK_FILE, FolderLock, is_locked, owning

HOLD = """
import sys, time
from simulator.storage.locks import FolderLock
lock = FolderLock(sys.argv[1])
assert lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_lock_on_the_same_folder_is_refused_until_the_first_is_released(tmp_path):
    first, second = FolderLock(tmp_path), FolderLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    assert is_locked(tmp_path)
    first.release()
    assert not is_locked(tmp_path)
    assert second.acquire()
    second.release()


def test_owning_names_the_holder_and_what_to_wait_for(tmp_path):
    other = FolderLock(tmp_path)
    assert other.acquire()
    with pytest.raises(UserError, match=r"is being written by process \d+; wait until it"), owning(tmp_path, "resume"):
        pass
    other.release()
    # the lock file itself stays, but nothing holds it any more
    assert (tmp_path / LOCK_FILE).is_file()
    with owning(tmp_path, "resume this sweep") as lock:
        assert lock.held


def test_a_lock_dies_with_a_process_killed_outright(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert is_locked(tmp_path)
        assert f"process {holder.pid}" in FolderLock(tmp_path).holder()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 5
    while is_locked(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_locked(tmp_path)


def test_a_folder_without_a_lock_file_is_not_locked(tmp_path):
    assert not is_locked(tmp_path)
    assert not (tmp_path / LOCK_FILE).exists()
