"""The local stack leaves no orphan process: on Ctrl-C, on SIGTERM and when starting fails; and no
working directory, unless something failed (then it keeps the logs)."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.stack import ROOT, LocalStack

pytestmark = pytest.mark.e2e


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def in_groups(groups: set[int]) -> set[int]:
    """The living processes of any of these process groups."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and group_of(int(entry.name)) in groups and alive(int(entry.name)):
            found.add(int(entry.name))
    return found


def printed_json(lines: list[str]) -> dict[str, object]:
    """The settings ``make stack`` prints as one JSON object, among its progress lines."""
    start, end = lines.index("{\n"), lines.index("}\n")
    found: dict[str, object] = json.loads("".join(lines[start : end + 1]))
    return found


def wait_gone(pids: set[int], timeout_s: float = 15.0) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


# The stack started as a shell script's background job starts: SIGINT ignored, kept across exec
_IGNORING_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, '-m', 'local.stack'])"
)


@pytest.mark.parametrize(
    ("sig", "started_ignoring_sigint"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
)
def test_the_stack_stops_everything_it_started_on_a_signal(
    sig: signal.Signals, started_ignoring_sigint: bool, tmp_path: Path
) -> None:
    """Also when its parent ignored SIGINT (a background job of a shell script): Ctrl-C or
    ``kill -INT`` still stops it: every child's process group is gone. While it starts, it says
    each part as it comes up and where the Notion sandbox's screen is."""
    argv = ["-c", _IGNORING_SIGINT] if started_ignoring_sigint else ["-m", "local.stack"]
    proc = subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        printed = []
        for line in proc.stdout:
            if "Local stack is up" in line:
                break
            printed.append(line)
        else:
            pytest.fail(f"the stack did not come up (exit {proc.wait()})")
        workdir = Path(str(printed_json(printed)["workdir"]))
        assert (workdir / "logs").is_dir()
        progress = printed[: printed.index("{\n")]
        for part in ("firestore", "pubsub", "tasks", "notion-sandbox", "code-sandbox", "api", "gateway"):
            assert any(line.startswith(f"  up: {part} (") for line in progress), (part, progress)
        assert any("/screen/demo/" in line for line in progress), progress
        children = descendants(proc.pid)
        assert len(children) >= 10  # Firestore, Pub/Sub, Cloud Tasks and seven functions
        groups = {g for g in map(group_of, children) if g is not None and g != os.getpgid(proc.pid)}
        assert len(groups) >= 10  # each child in a process group of its own
        proc.send_signal(sig)
        assert proc.wait(timeout=20) in (0, 143, -sig)
        assert wait_gone(children) == set()
        assert in_groups(groups) == set()  # nothing of any child's group outlives the stack
        assert not workdir.exists()  # a stop on a signal is a clean stop
    finally:  # a failed check still stops the stack it started
        if proc.poll() is None:
            left = descendants(proc.pid)
            proc.terminate()  # the stack stops its children on SIGTERM
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                for pid in left:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)


def test_a_failed_start_stops_what_had_started(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = LocalStack()
    started: set[int] = set()

    def fail() -> None:
        started.update(stack.group.pids())  # what had started before the failure
        raise RuntimeError("injected failure while creating queues")

    monkeypatch.setattr(stack, "_create_queues", fail)
    with pytest.raises(RuntimeError, match="injected"):
        stack.start()
    assert len(started) >= 3  # the Firestore and Cloud Tasks emulators and the Notion sandbox
    assert not stack.group.procs
    assert wait_gone(started) == set()
    assert (stack.workdir / "logs" / "firestore.log").is_file()  # kept: the logs say what failed
    shutil.rmtree(stack.workdir)


def test_an_error_inside_the_block_keeps_the_logs_and_says_where(capsys: pytest.CaptureFixture[str]) -> None:
    stack = LocalStack()  # not started: nothing runs, only the directory and its logs matter here
    (stack.workdir / "logs").mkdir()
    stack.__exit__(AssertionError, AssertionError("a failed check"), None)
    assert (stack.workdir / "logs").is_dir()
    assert f"logs kept in {stack.workdir / 'logs'}" in capsys.readouterr().err
    shutil.rmtree(stack.workdir)

    interrupted = LocalStack()
    interrupted.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)  # Ctrl-C is a clean stop
    assert not interrupted.workdir.exists()


def test_a_directory_the_caller_gave_is_left_to_the_caller(tmp_path: Path) -> None:
    stack = LocalStack(workdir=tmp_path / "stack")
    stack.workdir.mkdir()
    stack.__exit__(None, None, None)
    assert stack.workdir.is_dir()


LOOPBACK = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


def listeners() -> dict[int, set[str]]:
    """Listening TCP sockets: port → the local addresses (hex, as /proc shows them) it listens on."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                address, port = fields[1].split(":")
                found.setdefault(int(port, 16), set()).add(address)
    return found


def test_two_stacks_run_side_by_side_on_their_own_loopback_ports() -> None:
    import urllib.error
    import urllib.request

    with LocalStack() as first, LocalStack() as second:
        ours = {first.firestore_port, first.sandbox_port, *first.ports.values()}
        theirs = {second.firestore_port, second.sandbox_port, *second.ports.values()}
        assert not ours & theirs
        for stack in (first, second):
            try:
                urllib.request.urlopen(stack.url_of_api() + "/runs", timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 401  # each api answers, from its own process
            listening = listeners()
            for port in (stack.firestore_port, stack.sandbox_port, *stack.ports.values()):
                assert listening.get(port), f"nothing listens on {port}"
                assert listening[port] <= LOOPBACK, f"port {port} listens beyond loopback"
        pids = set(first.group.pids()) | set(second.group.pids())
    assert wait_gone(pids) == set()
    assert not first.workdir.exists() and not second.workdir.exists()
