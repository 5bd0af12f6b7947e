"""What the browser tests share: the system's Chromium, how it is started offline, and a local server.

The tests drive Debian's Chromium (``/usr/bin/chromium``, which ``.ci/run`` installs) rather than a
browser that Playwright would download, and start it with the flags that keep it from reaching the
network on its own (background updates, sync), so that "no request left the machine" is a property
of the page under test.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Headless, as root in a container, and with none of the browser's own calls to the network."""


def chromium(what: str) -> Path:
    """The system's Chromium, or a skip that says what ``what`` (a check) needs and how to get it."""
    if CHROMIUM.exists():
        return CHROMIUM
    pytest.skip(f"no Chromium at {CHROMIUM}: install it (Debian: apt-get install chromium) to {what}")


def free_port() -> int:
    """A local port no one listens on at the moment of asking."""
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def local_server(
    command: Sequence[str], *, port: int, log: Path, env: Mapping[str, str], cwd: Path, name: str, start: float
) -> Iterator[str]:
    """Start ``command`` serving on ``port``, wait until it answers, yield its address, stop it after.

    Args:
        command: The server's command line.
        port: The port it was told to serve on.
        log: File that receives its output (quoted when it fails to start).
        env: Its environment.
        cwd: Its working folder.
        name: What to call it in a failure message.
        start: Seconds it may take to answer.
    """
    with log.open("w") as out:
        server = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, env=dict(env), cwd=cwd)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start
        while True:
            if server.poll() is not None:
                pytest.fail(f"{name} stopped (status {server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(address, timeout=5).close()
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer within {start} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield address
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
