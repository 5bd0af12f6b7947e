"""What this machine can spare: available memory and free disk, and sizes in words.

Used to refuse work that cannot fit *before* allocating it (see
:mod:`simulator.sweeps.sweep_size`): a sweep that would run out of memory halfway, or fill the
disk, is better refused in a line than killed by the kernel with its folder half written.

* :func:`available_memory` is what a new allocation can take without swapping: Linux's
  ``MemAvailable`` (free memory plus caches the kernel can drop), lowered to a cgroup v2
  limit when the process runs under one (a container), else free pages from
  :func:`os.sysconf`, else None when the platform cannot tell.
* :func:`free_disk` is the free space of the file system a path is (or will be) on.
* :func:`format_bytes` writes a size the way the messages do: ``1.5 GB``; :func:`format_sizes` writes
  a need and what is there so that the larger one shows as larger.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes of memory that new allocations can take without swapping, or None if unknown.

    On Linux, ``MemAvailable`` of ``/proc/meminfo``, or less when a cgroup v2 memory limit
    (``memory.max`` less ``memory.current``) leaves less; elsewhere the free physical pages
    reported by :func:`os.sysconf` (an underestimate, as it leaves out caches that could be freed).
    """
    available = _meminfo_available()
    if available is None:
        available = _sysconf_available()
    limit = _cgroup_headroom()
    if limit is not None:
        available = limit if available is None else min(available, limit)
    return available


def _meminfo_available() -> int | None:
    try:
        for line in MEMINFO.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the kernel writes kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available() -> int | None:
    try:
        pages, size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on this platform
        return None
    return pages * size if pages > 0 and size > 0 else None


def _cgroup_headroom() -> int | None:
    """What a cgroup v2 memory limit leaves this process's group, or None without a limit."""
    try:
        limit = (CGROUP / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        used = int((CGROUP / "memory.current").read_text(encoding="ascii").strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def free_disk(path: str | Path) -> int:
    """Free bytes on the file system of ``path``, or of its nearest existing parent folder."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def format_bytes(size: float) -> str:
    """A size in decimal units, two or three significant digits: ``850 MB``, ``1.5 GB``, ``52 TB``."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if abs(size) < 1000 or unit == "PB":
            break
        size /= 1000
    if unit == "bytes":
        return f"{int(size)} bytes"
    return f"{size:.2g} {unit}" if abs(size) < 10 else f"{size:.0f} {unit}"


UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB")


def format_sizes(need: int, have: int) -> tuple[str, str]:
    """``need`` and ``have`` as :func:`format_bytes` writes them, with more digits where those would look alike.

    A refusal that says "needs about 25 GB … but 25 GB is available" reads as a contradiction; with
    one more decimal it says "25.4 GB … but 25.3 GB". The two then share a unit.
    """
    shown = format_bytes(need), format_bytes(have)
    if shown[0] != shown[1] or need == have:
        return shown
    unit = shown[0].split()[-1]
    scale = 1000 ** UNITS.index(unit)
    for decimals in range(1, 7):
        shown = f"{need / scale:.{decimals}f} {unit}", f"{have / scale:.{decimals}f} {unit}"
        if shown[0] != shown[1]:
            return shown
    return f"{need:,} bytes", f"{have:,} bytes"
