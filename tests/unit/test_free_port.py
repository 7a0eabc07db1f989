"""local.processes.free_port: the ports a stack is given before its servers start cannot be taken in
the meantime, by the stack itself or by a port the kernel picks (a server on port 0, a connection)."""

import socket
import subprocess
import sys
from pathlib import Path

from local.processes import free_port


def ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_ports_are_distinct_free_and_outside_the_kernels_own_range() -> None:
    low, _ = ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)  # handed out once, even though each was released
    assert all(1024 <= p < low for p in ports)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", ports[-1]))  # still free


def test_a_port_the_kernel_picks_meanwhile_is_never_one_handed_out() -> None:
    ours = {free_port() for _ in range(50)}
    picked = []
    for _ in range(200):  # servers on port 0 and outgoing connections draw from the ephemeral range
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            picked.append(server.getsockname()[1])
    assert not ours & set(picked)


def test_a_port_in_use_is_not_handed_out() -> None:
    low, _ = ephemeral_range()
    held = []
    try:
        for port in range(low - 8000, low - 7000):  # occupy the bottom of free_port's range
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
        taken = {s.getsockname()[1] for s in held}
        assert not taken & {free_port() for _ in range(100)}
    finally:
        for sock in held:
            sock.close()


def test_a_port_another_living_process_handed_out_is_not_handed_out() -> None:
    """Two processes choosing at once (pytest's workers, the red team): a port one handed out, whose
    server has not bound it yet, is not the other's. A CI run met the race: a stack's api answered
    405, being another process's server on the same port."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from local.processes import free_port\n"
         "print(' '.join(str(free_port()) for _ in range(3000)), flush=True)\ninput()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    try:
        theirs = {int(p) for p in child.stdout.readline().split()}
        assert len(theirs) == 3000  # bound and released: free, yet still reserved by the living child
        ours = {free_port() for _ in range(1000)}
        assert not ours & theirs
    finally:
        child.stdin.close()
        child.wait(timeout=10)
