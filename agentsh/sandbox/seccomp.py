"""A seccomp filter for the sandboxed command, built with libseccomp and handed to bwrap.

Namespaces decide what the command can see; this filter removes a few kernel
interfaces that let a process act beyond what it sees:

- `ioctl(TIOCSTI)` and `ioctl(TIOCLINUX)`: pushing keystrokes into a terminal
  (with a terminal the command has only its own pty, and this closes that too);
- `ptrace`, `process_vm_readv`/`process_vm_writev`: reading or steering other
  processes, even inside the sandbox;
- new user namespaces (`unshare` or `clone` with CLONE_NEWUSER; `clone3`,
  whose flags a filter cannot read, answers ENOSYS so libc falls back to
  `clone`): bwrap's --disable-userns already refuses them, this is a second lock;
- the kernel keyring (`keyctl`, `add_key`, `request_key`), `bpf`,
  `perf_event_open`, `userfaultfd`: kernel attack surface no build needs.

Each is refused with EPERM (ENOSYS for clone3), not killed, so programs see
an ordinary error. The compiled program is cached by its rules and the
architecture, so a command pays for an open(2), not for libseccomp.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RULES_VERSION = "1"
TIOCSTI = 0x5412
TIOCLINUX = 0x541C
CLONE_NEWUSER = 0x10000000
EPERM = 1
ENOSYS = 38
DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
)


class SeccompUnavailable(Exception):
    pass


def build() -> bytes:
    """The filter as a BPF program bwrap can load (`--seccomp FD`)."""
    try:
        import pyseccomp as seccomp  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise SeccompUnavailable(f"libseccomp cannot be loaded ({exc})") from exc
    rules: Any = seccomp.SyscallFilter(seccomp.ALLOW)
    eperm = seccomp.ERRNO(EPERM)
    for request in (TIOCSTI, TIOCLINUX):
        rules.add_rule(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    for name in DENIED:
        rules.add_rule(eperm, name)
    newuser = seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
    rules.add_rule(eperm, "unshare", newuser)
    rules.add_rule(eperm, "clone", newuser)
    rules.add_rule(seccomp.ERRNO(ENOSYS), "clone3")
    import tempfile

    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.seek(0)
        return handle.read()


def program_path(cache_dir: str) -> str:
    """The compiled filter's file in the cache, built on first use."""
    name = f"seccomp-{RULES_VERSION}-{os.uname().machine}.bpf"
    path = os.path.join(cache_dir, name)
    if os.path.isfile(path) and os.path.getsize(path) > 0:
        return path
    from agentsh.paths import ensure_private_dir

    program = build()
    ensure_private_dir(cache_dir)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(program)
    os.replace(temporary, path)
    return path
