"""The seccomp filter: a few kernel interfaces are refused inside, ordinary work is not."""

from __future__ import annotations

import os
import pty
import shutil

import pytest

from tests.conftest import AGENTSH, Workspace

PROBE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(result):
    return "ok" if result == 0 else os.strerror(ctypes.get_errno())
print("ptrace", errno_of(libc.ptrace(0, 0, 0, 0)))
print("keyctl", errno_of(libc.syscall(250, 0, 0, 0, 0)))
print("bpf", errno_of(libc.syscall(321, 0, 0, 0)))
print("newuser", errno_of(libc.unshare(0x10000000)))
"""


def test_tracing_keyrings_bpf_and_user_namespaces_are_refused(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    (ws.project / "probe.py").write_text(PROBE)
    result = ws.run("-c", "python3 probe.py")
    assert result.returncode == 0, result.stderr
    for call in ("ptrace", "keyctl", "bpf", "newuser"):
        assert f"{call} Operation not permitted" in result.stdout


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare is not installed")
def test_unshare_cannot_make_a_user_namespace(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run("-c", "unshare -U true")
    assert result.returncode != 0


def test_processes_threads_and_pipelines_still_work(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    code = (
        "import subprocess, threading\n"
        "t = threading.Thread(target=print, args=('thread',)); t.start(); t.join()\n"
        "print(subprocess.run(['sh', '-c', 'echo child | tr a-z A-Z'], capture_output=True, text=True).stdout.strip())\n"
    )
    (ws.project / "work.py").write_text(code)
    result = ws.run("-c", "python3 work.py && (sleep 0.1 & wait) && echo done")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["thread", "CHILD", "done"]


def test_keystrokes_cannot_be_pushed_even_into_the_commands_own_terminal(ws: Workspace) -> None:
    """With a terminal the command gets a pty of its own; TIOCSTI into it is refused too."""
    ws.user_profile("", policy_off=True)
    injector = (
        "python3 -c 'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b\"x\")' "
        "&& echo INJECTED || echo refused"
    )
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(ws.project)
        os.execve(AGENTSH, [AGENTSH, "-c", injector], ws.env)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    os.close(master)
    text = output.decode(errors="replace")
    assert "refused" in text and "INJECTED" not in text, text


def test_the_filter_is_built_once_and_cached(ws: Workspace) -> None:
    ws.run("-c", "true")
    cache = ws.home / ".local" / "state" / "agentsh" / "cache"
    programs = list(cache.glob("seccomp-*.bpf"))
    assert len(programs) == 1 and programs[0].stat().st_size > 0
    built = programs[0].stat().st_mtime_ns
    ws.run("-c", "true")
    assert programs[0].stat().st_mtime_ns == built
