"""Landlock scoping for commands that share the host's network (`network.mode: open`).

An abstract Unix socket (a D-Bus or X11 server's, a tmux started with -L in
some setups) lives in the network namespace, not in the filesystem, so no
mount hides it; with its own network namespace the sandbox never sees the
host's, but `open` shares the host's. Landlock ABI 6 (Linux 6.12) scopes
them: a process in a Landlock domain cannot connect to an abstract socket
created outside that domain. The ruleset handles no filesystem access, so
bwrap's mounts and everything else are unaffected.

ctypes is imported only here, and this module only under `open`.
"""

from __future__ import annotations

import os

CREATE_RULESET = 444
RESTRICT_SELF = 446
"""Syscall numbers, the same on every architecture (they postdate the unified table)."""
CREATE_RULESET_VERSION = 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1
SCOPING_ABI = 6
PR_SET_NO_NEW_PRIVS = 38


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is absent or disabled."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


def scope_abstract_sockets() -> None:
    """Put this process (and what it execs) in a domain that cannot reach the host's
    abstract Unix sockets. Raises OSError when the kernel refuses."""
    import ctypes

    class RulesetAttr(ctypes.Structure):
        _fields_ = (
            ("handled_access_fs", ctypes.c_uint64),
            ("handled_access_net", ctypes.c_uint64),
            ("scoped", ctypes.c_uint64),
        )

    libc = ctypes.CDLL(None, use_errno=True)
    attr = RulesetAttr(0, 0, SCOPE_ABSTRACT_UNIX_SOCKET)
    ruleset = libc.syscall(
        CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), 0
    )
    if ruleset < 0:
        number = ctypes.get_errno()
        raise OSError(number, f"landlock_create_ruleset: {os.strerror(number)}")
    try:
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"no_new_privs: {os.strerror(number)}")
        if libc.syscall(RESTRICT_SELF, ruleset, 0) != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"landlock_restrict_self: {os.strerror(number)}")
    finally:
        os.close(ruleset)
