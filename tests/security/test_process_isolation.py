"""Attempts to reach processes, descriptors, terminals and privileges outside the sandbox."""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import subprocess
import termios
import tty
from pathlib import Path

import psutil
import pytest

from tests.conftest import AGENTSH, Workspace
from tests.sandbox.terminals import start_agent, wait_for
from tests.security.conftest import (
    assert_nothing_leaked,
    both_layers,
    setup_layers,
    write_script,
)

NETWORK_MODES = pytest.mark.parametrize(
    "network",
    ["", "network:\n  mode: allowlist\n  allow: [api.test]\n", "network:\n  mode: open\n"],
    ids=["no-network", "allowlist", "open"],
)

READ_PROC = """
import os, sys
for pid in sys.argv[1:]:
    for entry in ("environ", "cmdline", "status", "maps", "mem"):
        try:
            with open(f"/proc/{pid}/{entry}", "rb") as handle:
                print(pid, entry, handle.read(65536))
        except OSError as exc:
            print(pid, entry, "refused", exc.errno)
    for entry in ("root", "cwd"):
        try:
            print(pid, entry, os.listdir(f"/proc/{pid}/{entry}"))
            print(open(f"/proc/{pid}/{entry}/credentials").read())
        except OSError as exc:
            print(pid, entry, "refused", exc.errno)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print(open(f"/proc/{pid}/environ", "rb").read(), open(f"/proc/{pid}/cmdline", "rb").read())
        except OSError:
            pass
"""


def _host_pids(*processes: subprocess.Popen[bytes] | int) -> list[int]:
    pids = [p if isinstance(p, int) else p.pid for p in processes]
    if min(pids) < 100:
        pytest.skip("a host pid this small could also name a process inside the sandbox")
    return pids


def _against_host_pids(
    ws: Workspace, command: str, host_sleeper: subprocess.Popen[bytes]
) -> tuple[subprocess.Popen[str], list[int], str, str]:
    """Run `command` in agentsh and feed it, on stdin, the pids of processes outside."""
    agent = start_agent(ws, "-c", command, stdin=subprocess.PIPE)
    try:
        bwrap = _bwrap_of(agent.pid)
        pids = _host_pids(host_sleeper, agent.pid, bwrap, os.getpid())
        out, err = agent.communicate(" ".join(map(str, pids)) + "\n", timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(10)
    return agent, pids, out, err


@NETWORK_MODES
def test_host_process_proc_entries_leak_nothing(
    ws: Workspace, host_sleeper: subprocess.Popen[bytes], network: str
) -> None:
    ws.user_profile(network, policy_off=True)
    pids = _host_pids(host_sleeper, os.getpid())
    script = write_script(ws, "read_proc.py", READ_PROC)
    result = ws.run(
        "-c", f"{script} {' '.join(map(str, pids))}; ps -eo pid,args; cat /proc/*/environ"
    )
    assert_nothing_leaked(result)
    marker = str(host_sleeper.args[1])  # type: ignore[index]
    assert marker not in result.stdout
    assert host_sleeper.poll() is None


def test_only_the_sandbox_processes_are_visible(
    ws: Workspace, host_sleeper: subprocess.Popen[bytes]
) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run("-c", "ls /proc | grep -x '[0-9]*'; echo --; ps -eo pid=,comm=")
    assert result.returncode == 0, result.stderr
    listed, processes = result.stdout.split("--\n")
    assert len(listed.split()) <= 5, listed
    assert {line.split()[1] for line in processes.splitlines()} <= {
        "bwrap",
        "bash",
        "ps",
        "ls",
        "grep",
    }
    assert str(host_sleeper.pid) not in listed.split()


def test_another_sandbox_is_invisible(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    marker = f"600.{os.getpid()}7"
    first = subprocess.Popen(
        [AGENTSH, "-c", f"sleep {marker}"],
        cwd=ws.project,
        env=ws.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: any(
                p.info["cmdline"] == ["sleep", marker] for p in psutil.process_iter(["cmdline"])
            ),
            "the first sandbox's sleep",
        )
        second = ws.run("-c", "ps -eo args; cat /proc/*/cmdline | tr '\\0' ' '")
    finally:
        first.kill()
        first.wait(10)
    assert second.returncode == 0, second.stderr
    assert marker not in second.stdout


SIGNAL_HOST = """
import os, signal, sys
for pid in map(int, sys.stdin.readline().split()):
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
            print("signalled", pid, sig, flush=True)
        except OSError as exc:
            print("refused", pid, exc.errno, flush=True)
for inside in (os.getppid(), 1, -1):
    try:
        os.kill(inside, signal.SIGKILL)
    except OSError:
        pass
print("done")
"""


def _bwrap_of(agent: int) -> int:
    found: list[int] = []

    def started() -> bool:
        found.extend(pid for pid, name in _children_of(agent) if name == "bwrap")
        return bool(found)

    wait_for(started, "bwrap to start")
    return found[0]


def _children_of(pid: int) -> list[tuple[int, str]]:
    """(pid, name) of `pid`'s children; a short-lived child (agentsh runs a few before
    bwrap) may end between listing and naming, and is left out."""
    named = []
    for child in psutil.Process(pid).children():
        try:
            named.append((child.pid, child.name()))
        except psutil.NoSuchProcess:
            pass
    return named


def _alive_and_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@both_layers
def test_signalling_the_supervisor_and_host_processes_is_refused(
    ws: Workspace, host_sleeper: subprocess.Popen[bytes], policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    script = write_script(ws, "signal_host.py", SIGNAL_HOST)
    agent, pids, out, err = _against_host_pids(ws, script, host_sleeper)
    assert "signalled" not in out, out + err
    assert out.count("refused") == 3 * len(pids), out + err
    assert agent.returncode >= 0 and out.endswith("done\n"), out + err
    assert _alive_and_running(host_sleeper.pid)


PTRACE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
PTRACE_ATTACH, PTRACE_SEIZE, PTRACE_DETACH = 16, 0x4206, 17
for pid in map(int, sys.stdin.readline().split()):
    for request in (PTRACE_ATTACH, PTRACE_SEIZE):
        if libc.ptrace(request, pid, 0, 0) == 0:
            print("traced", pid)
            libc.ptrace(PTRACE_DETACH, pid, 0, 0)
        else:
            print("refused", pid, os.strerror(ctypes.get_errno()))
    try:
        os.open(f"/proc/{pid}/mem", os.O_RDWR)
        print("opened mem", pid)
    except OSError as exc:
        print("refused mem", pid, exc.errno)
"""


@both_layers
def test_tracing_the_supervisor_and_host_processes_is_refused(
    ws: Workspace, host_sleeper: subprocess.Popen[bytes], policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    script = write_script(ws, "ptrace_host.py", PTRACE)
    strace = 'read -r pids; for p in $pids; do timeout -s KILL 5 strace -p "$p" -e none; done; '
    if shutil.which("strace") is None:
        strace = "read -r pids; "
    _, pids, out, err = _against_host_pids(ws, f'{strace}echo "$pids" | {script}', host_sleeper)
    assert "traced" not in out, out + err
    assert out.count("refused") == 3 * len(pids), out + err
    assert "opened mem" not in out
    assert "attached" not in err.lower()
    assert _alive_and_running(host_sleeper.pid)


def test_the_sandbox_init_holds_no_privilege_or_secret(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run(
        "-c",
        "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/1/status /proc/self/status; "
        "tr '\\0' '\\n' < /proc/1/environ",
    )
    assert result.returncode == 0, result.stderr
    assert_nothing_leaked(result)
    capabilities = [line.split()[-1] for line in result.stdout.splitlines() if ":Cap" in line]
    assert capabilities == ["0000000000000000"] * 10, result.stdout
    assert result.stdout.count("NoNewPrivs:\t1") == 2


LIST_FDS = """
import os
for fd in range(3, 1024):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    print("leaked", fd, oct(st.st_mode))
    try:
        print(os.pread(fd, 65536, 0))
    except OSError:
        pass
    try:
        print(os.listdir(fd), open(os.open("id_ed25519", os.O_RDONLY, dir_fd=fd)).read())
    except OSError:
        pass
"""


@NETWORK_MODES
def test_no_descriptor_leaks_into_the_sandbox(ws: Workspace, network: str) -> None:
    ws.user_profile(network, policy_off=True)
    script = write_script(ws, "list_fds.py", LIST_FDS)
    secret_fd = os.open(ws.home / ".aws" / "credentials", os.O_RDONLY)
    dir_fd = os.open(ws.home / ".ssh", os.O_RDONLY | os.O_DIRECTORY)
    read_end, write_end = os.pipe()
    for fd in (secret_fd, dir_fd, write_end):
        os.set_inheritable(fd, True)
    try:
        result = subprocess.run(
            [AGENTSH, "-c", f"ls /proc/self/fd; {script}"],
            cwd=ws.project,
            env=ws.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            close_fds=False,
            timeout=60,
        )
    finally:
        for fd in (secret_fd, dir_fd, read_end, write_end):
            os.close(fd)
    assert_nothing_leaked(result)
    assert result.stdout.split() == ["0", "1", "2", "3"], result.stdout + result.stderr


def _tiocsti_possible() -> None:
    legacy = Path("/proc/sys/dev/tty/legacy_tiocsti")
    if legacy.exists() and legacy.read_text().strip() == "0":
        pytest.skip(
            "this kernel refuses TIOCSTI to everyone without CAP_SYS_ADMIN; nothing to test"
        )


INJECT = """
import fcntl, os, termios
targets = [0, 1, 2]
try:
    targets.append(os.open("/dev/tty", os.O_RDWR))
except OSError as exc:
    print("no /dev/tty", exc.errno, flush=True)
for fd in targets:
    try:
        for char in b"echo INJECTED\\n":
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([char]))
        print("injected into", fd, flush=True)
    except OSError as exc:
        print("refused on", fd, exc.errno, flush=True)
"""


def _drain(master: int) -> bytes:
    os.set_blocking(master, False)
    output = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        output += chunk
    return output


def _pending_input(master: int, slave: int) -> bytes:
    """Whatever waits in the terminal's input queue, after a control byte typed now."""
    tty.setraw(slave, termios.TCSANOW)
    os.write(master, b"@")
    os.set_blocking(slave, False)
    pending = b""
    while select.select([slave], [], [], 2)[0]:
        try:
            chunk = os.read(slave, 4096)
        except BlockingIOError:
            break
        pending += chunk
        if pending.endswith(b"@"):
            break
    return pending


@pytest.mark.parametrize("relayed", [True, False], ids=["relayed-terminal", "shared-stdin"])
def test_terminal_injection_does_not_reach_the_users_terminal(ws: Workspace, relayed: bool) -> None:
    _tiocsti_possible()
    ws.user_profile("", policy_off=True)
    script = write_script(ws, "inject.py", INJECT)
    master, slave = os.openpty()

    def own_the_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        agent = subprocess.Popen(
            [AGENTSH, "-c", script],
            cwd=ws.project,
            env=ws.env,
            stdin=slave,
            stdout=slave if relayed else subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=own_the_terminal,
        )
        try:
            out, _ = agent.communicate(timeout=60)
        finally:
            if agent.poll() is None:
                agent.kill()
        assert _pending_input(master, slave) == b"@"
        if relayed:
            out = _drain(master)
        assert b"on 0" in out or b"into 0" in out, out
    finally:
        os.close(slave)
        os.close(master)


UNSHARE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name, flag in (("user", 0x10000000), ("mount", 0x00020000), ("net", 0x40000000), ("pid", 0x20000000)):
    if libc.unshare(flag) == 0:
        print("unshared", name)
    else:
        print("refused", name, os.strerror(ctypes.get_errno()))
"""


@both_layers
def test_new_namespaces_are_refused(ws: Workspace, policy_off: bool) -> None:
    setup_layers(ws, policy_off)
    script = write_script(ws, "unshare.py", UNSHARE)
    tools = ""
    if shutil.which("unshare"):
        tools = (
            "unshare --user true && echo unshared-cli-user; "
            "unshare --user --map-root-user true && echo unshared-cli-root; "
            "unshare --mount true && echo unshared-cli-mount; "
        )
    result = ws.run("-c", f"{tools}{script}")
    assert "unshared" not in result.stdout, result.stdout
    if policy_off:
        assert result.stdout.count("refused") == 4, result.stdout + result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="checks that host root is not root inside")
def test_host_root_gets_no_capability_inside(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run(
        "-c",
        "cat /proc/self/status | grep CapEff; chown nobody README.md && echo chowned; "
        "mknod /tmp/disk b 8 0 && echo mknod; setpriv --reuid=1 true && echo setuid; "
        "echo 1 | tee /proc/sys/kernel/sysrq && echo sysctl; "
        "echo h | tee /proc/sysrq-trigger && echo sysrq",
    )
    assert "CapEff:\t0000000000000000" in result.stdout
    for escalation in ("chowned", "mknod", "setuid", "sysctl", "sysrq"):
        assert escalation not in result.stdout.split(), result.stdout
