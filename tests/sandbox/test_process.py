"""agentsh behaves like bash as a process: arguments, exit status, streams, signals, terminals."""

from __future__ import annotations

import hashlib
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import AGENTSH, Workspace


def _spawn(ws: Workspace, *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([AGENTSH, *args], cwd=ws.project, env=ws.env, **kwargs)  # type: ignore[call-overload,no-any-return]


def _wait_for_process(cmdline: str, timeout: float = 10) -> psutil.Process:
    """The process whose command line is exactly `cmdline` (not agentsh, which mentions it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in psutil.process_iter(["cmdline"]):
            if " ".join(proc.info["cmdline"] or []) == cmdline:
                return proc
        time.sleep(0.05)
    raise AssertionError(f"no process {cmdline!r} appeared")


def _processes_matching(cmdline: str) -> list[psutil.Process]:
    return [
        proc
        for proc in psutil.process_iter(["cmdline", "status"])
        if " ".join(proc.info["cmdline"] or []) == cmdline and proc.info["status"] != "zombie"
    ]


@pytest.mark.parametrize("status", [0, 1, 42, 255])
def test_exit_status_is_the_commands(ws: Workspace, status: int) -> None:
    assert ws.run("-c", f"exit {status}").returncode == status


def test_death_by_signal_is_128_plus_n(ws: Workspace) -> None:
    assert ws.run("-c", "kill -TERM $$").returncode == 128 + signal.SIGTERM
    assert ws.run("-c", "kill -KILL $$").returncode == 128 + signal.SIGKILL


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signals_sent_to_agentsh_reach_the_command(ws: Workspace, sig: signal.Signals) -> None:
    duration = f"{300 + sig}.{os.getpid()}"
    proc = _spawn(ws, "-c", f"sleep {duration}; echo unreachable")
    _wait_for_process(f"sleep {duration}")
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == 128 + sig


def test_a_trap_in_the_command_sees_the_forwarded_signal(ws: Workspace) -> None:
    proc = _spawn(
        ws,
        "-c",
        "trap 'echo got-term; exit 3' TERM; echo ready; sleep 300 & wait",
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 3
    assert proc.stdout.read() == b"got-term\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_command_that_ignores_the_end_signal_is_killed(
    ws: Workspace, sig: signal.Signals
) -> None:
    """Told to end, agentsh ends: a command that ignores SIGTERM or SIGHUP (or a shell
    that deferred it) is killed with its whole sandbox after a grace period."""
    tag = f"4{os.getpid()}{sig}"
    proc = _spawn(
        ws,
        "-c",
        f"trap '' TERM HUP; echo ready; sleep {tag}; echo unreachable",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"ready\n"
    sleeper = _wait_for_process(f"sleep {tag}")
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 128 + signal.SIGKILL
    assert proc.stdout.read() == b""
    assert f"within 5 s of {sig.name}; killed it" in proc.stderr.read().decode()
    assert not sleeper.is_running() or sleeper.status() == psutil.STATUS_ZOMBIE


def test_background_jobs_die_with_the_command(ws: Workspace) -> None:
    tag = f"{os.getpid()}{time.monotonic_ns() % 100000}"
    result = ws.run("-c", f"sleep 1{tag} & sleep 2{tag} & disown; echo started")
    assert result.returncode == 0
    assert "started" in result.stdout
    time.sleep(0.3)
    assert _processes_matching(f"sleep 1{tag}") == []
    assert _processes_matching(f"sleep 2{tag}") == []


def test_killing_agentsh_outright_leaves_no_orphans(ws: Workspace) -> None:
    tag = f"3{os.getpid()}"
    proc = _spawn(ws, "-c", f"sleep {tag} & sleep {tag}1; echo never")
    sleeper = _wait_for_process(f"sleep {tag}1")
    _wait_for_process(f"sleep {tag}")
    sandbox_pids = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    assert sleeper.pid in sandbox_pids
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _processes_matching(f"sleep {tag}1"):
        time.sleep(0.05)
    assert _processes_matching(f"sleep {tag}") == []
    assert _processes_matching(f"sleep {tag}1") == []


def test_a_100_mb_stream_passes_through_byte_identical(ws: Workspace, tmp_path: Path) -> None:
    data = os.urandom(1 << 20) * 100
    proc = subprocess.run(
        [AGENTSH, "-c", "cat"], input=data, capture_output=True, cwd=ws.project, env=ws.env
    )
    assert proc.returncode == 0
    assert hashlib.sha256(proc.stdout).digest() == hashlib.sha256(data).digest()
    digest = subprocess.run(
        [AGENTSH, "-c", "sha256sum"], input=data, capture_output=True, cwd=ws.project, env=ws.env
    )
    assert digest.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()


def test_stderr_stays_separate_and_unbuffered(ws: Workspace) -> None:
    proc = _spawn(
        ws,
        "-c",
        "echo out; echo err >&2; read line; echo got-$line",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    assert proc.stdout.readline() == b"out\n"
    assert proc.stderr.readline() == b"err\n"
    proc.stdin.write(b"ping\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == b"got-ping\n"
    assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    "network",
    ["", "network:\n  mode: allowlist\n", "network:\n  forward: ['127.0.0.1:5999']\n"],
    ids=["own-namespace-from-bwrap", "allowlist-proxy", "forward-only"],
)
def test_no_descriptor_of_agentsh_leaks_into_the_sandbox(ws: Workspace, network: str) -> None:
    ws.user_profile(network)
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    try:
        result = subprocess.run(
            [AGENTSH, "-c", "ls /proc/self/fd"],
            cwd=ws.project,
            env=ws.env,
            capture_output=True,
            text=True,
            close_fds=False,
        )
    finally:
        os.close(read_end)
        os.close(write_end)
    assert sorted(result.stdout.split()) == ["0", "1", "2", "3"]


def test_terminal_injection_is_refused_without_a_terminal(ws: Workspace) -> None:
    master, slave = pty.openpty()
    try:
        result = subprocess.run(
            [
                AGENTSH,
                "-c",
                "python3 -c 'import fcntl,termios; fcntl.ioctl(1, termios.TIOCSTI, b\"x\")' "
                "&& echo injected >&2 || echo refused >&2",
            ],
            cwd=ws.project,
            env=ws.env,
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert "refused" in result.stderr
    assert "injected" not in result.stderr


def _run_in_terminal(
    ws: Workspace, args: list[str], keys: list[bytes], timeout: float = 20
) -> tuple[int, bytes]:
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(ws.project)
        os.execve(AGENTSH, [AGENTSH, *args], ws.env)
    output = b""
    pending = list(keys)
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            output += chunk
            if not chunk:
                break
        if pending and b"READY" in output:
            os.write(master, pending.pop(0))
            output = output.replace(b"READY", b"ready", 1)
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(wait_status)
            break
    os.close(master)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(wait_status)
    return status, output


def test_interactive_programs_get_a_real_terminal(ws: Workspace) -> None:
    status, output = _run_in_terminal(
        ws,
        [
            "-c",
            "test -t 0 && echo stdin-is-tty; echo via-dev-tty > /dev/tty; "
            "echo READY; read -r line; echo got:$line",
        ],
        [b"hello\r"],
    )
    assert status == 0, output
    assert b"stdin-is-tty" in output
    assert b"via-dev-tty" in output
    assert b"got:hello" in output


def test_ctrl_c_in_a_terminal_interrupts_the_command(ws: Workspace) -> None:
    status, output = _run_in_terminal(ws, ["-c", "echo READY; sleep 300"], [b"\x03"])
    assert status == 130, output
