"""Child processes of the local stack: each in its own process group, all stopped on exit.

Stopping is by process id (the group), on normal exit, on Ctrl-C/SIGTERM and on failure, so the
stack leaves no orphan processes behind.
"""

import atexit
import contextlib
import fcntl
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Protocol

# Ports the kernel hands out by itself (a bind to port 0, a client's connect) come from this range.
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_OWN_RANGE = 8000  # how many ports just below it free_port chooses from
_handed_out: set[int] = set()
_handing_out = threading.Lock()
# A port handed out is locked (flock) in this folder while its process lives: the other processes
# choosing ports here (pytest's workers, the red team beside them) skip it until its server binds.
_RESERVED = Path(tempfile.gettempdir()) / "notion-agent-ports"
_reservations: list[int] = []  # the open locks' descriptors, released when this process ends


def free_port() -> int:
    """A free loopback port (bound and released; a server is started on it a little later).

    Chosen just below the kernel's ephemeral range, so that in the meantime no port the kernel picks by
    itself can be this one: not that of a server started on port 0 (the Firestore emulator opens one),
    nor the local port of an outgoing connection. Never the same twice in this process, so the ports
    of one stack are distinct even before their servers bind them, nor one another process on this
    machine handed out and still lives (``_reserve``)."""
    try:
        ephemeral = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral = 32768  # Linux's default
    low = max(1024, ephemeral - _OWN_RANGE)
    with _handing_out:
        for _ in range(500):
            port = random.randrange(low, ephemeral) if ephemeral - low >= 1000 else _kernel_port()
            if port in _handed_out or not _reserve(port):
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    raise RuntimeError("no free loopback port found")


def _reserve(port: int) -> bool:
    """Lock ``port`` for this process's lifetime; False when another living process holds it."""
    _RESERVED.mkdir(parents=True, exist_ok=True)
    fd = os.open(_RESERVED / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _reservations.append(fd)
    return True


def _kernel_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_answers(url: str) -> bool:
    """True once anything answers HTTP at ``url`` (any status counts)."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class ProcessGroup:
    """Starts named processes and guarantees they are all stopped."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started_at: dict[str, float] = {}
        # Told each part's name and its seconds from start to ready, once ready (make stack prints it).
        self.on_ready: Callable[[str, float], None] | None = None
        atexit.register(self.stop_all)

    def start(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.procs[name] = proc
        self.started_at[name] = time.monotonic()
        return proc

    def wait_until(self, name: str, ready: Callable[[], bool], timeout_s: float = 30.0) -> None:
        proc = self.procs[name]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {proc.returncode} while starting:\n{tail}")
            if ready():
                if self.on_ready is not None:
                    self.on_ready(name, time.monotonic() - self.started_at.get(name, time.monotonic()))
                return
            time.sleep(0.05)
        raise TimeoutError(f"{name} was not ready after {timeout_s:.0f} s (see {self.log_dir / name}.log)")

    def stop_all(self, grace_s: float = 5.0) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            _signal_group(proc, signal.SIGKILL)  # grandchildren left in the group, if any
        self.procs.clear()

    def kill(self, name: str) -> None:
        """SIGKILL the named process's whole group at once (no grace) and reap it."""
        proc = self.procs.pop(name)
        _signal_group(proc, signal.SIGKILL)
        proc.wait()

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs.values()]


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, sig)


class Server(Protocol):
    @property
    def url(self) -> str: ...

    def start(self) -> object: ...

    def stop(self) -> None: ...


def serve_until_signal(server: Server, started: Callable[[], None] = lambda: None) -> None:
    """A sandbox's ``__main__``: start ``server``, run ``started``, print ``READY <url>`` (what the
    stack waits for), then serve until SIGTERM or SIGINT and stop it."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    started()
    print(f"READY {server.url}", flush=True)
    stop.wait()
    server.stop()
