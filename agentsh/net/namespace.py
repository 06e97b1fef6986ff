"""The sandbox's network namespace, made without helpers (DESIGN: "Network without helper processes").

The process that will become bwrap first unshares a user and a network
namespace, brings up `lo`, and opens the listening sockets the sandbox will
see on 127.0.0.1 (the proxy, the forwards). It hands their descriptors to the
supervisor over a Unix socket (SCM_RIGHTS) and then execs bwrap without
`--unshare-net`, so the sandbox lives in that namespace: its only interface is
loopback, and the only things listening there are sockets the supervisor
serves from outside. Nothing of ours runs inside.

Only C modules are imported here (`_socket`, `_ctypes`): this runs before
every command that has a namespace, so it must cost little.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if not TYPE_CHECKING:
    import _socket as socket
else:
    import socket
    from collections.abc import Callable, Sequence
    from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_INT = 4


class NamespaceError(OSError):
    pass


def _setns_function() -> Callable[[int, int], None]:
    """`os.setns` where Python has it (3.12+), else libc's (joining is rare: ctypes is fine)."""
    native = getattr(os, "setns", None)
    if native is not None:
        return native  # type: ignore[no-any-return]
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def setns(fd: int, nstype: int) -> None:
        if libc.setns(fd, nstype) != 0:
            number = ctypes.get_errno()
            raise NamespaceError(number, f"setns: {os.strerror(number)}")

    return setns


def join(holder: int) -> None:
    """Move this (single-threaded) process into the user and network namespace that
    process `holder` is in: the namespace a kept background job's sandbox made, so
    that the project's later commands reach the ports it listens on. Our own uid
    owns that user namespace, which is what lets an unprivileged process join it."""
    setns = _setns_function()
    fds = [
        os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC) for name in ("user", "net")
    ]
    try:
        setns(fds[0], CLONE_NEWUSER)
        setns(fds[1], CLONE_NEWNET)
    finally:
        for fd in fds:
            os.close(fd)


def _unshare_function() -> Callable[[int], None]:
    """`os.unshare` where Python has it (3.12+), else libc's through ctypes' C core.

    The `ctypes` package costs about 2.5 ms to import on every command that
    needs a namespace; its C module `_ctypes` alone is enough for one call.
    """
    native = getattr(os, "unshare", None)
    if native is not None:
        return native  # type: ignore[no-any-return]
    call: Any
    get_errno: Any
    try:
        import _ctypes

        core: Any = _ctypes

        class _Int(core._SimpleCData):  # type: ignore[misc]
            _type_ = "i"

        class _Function(core.CFuncPtr):  # type: ignore[misc]
            _flags_ = core.FUNCFLAG_CDECL | core.FUNCFLAG_USE_ERRNO
            _restype_ = _Int
            _argtypes_ = (_Int,)

        call = _Function(core.dlsym(core.dlopen(None), "unshare"))
        get_errno = core.get_errno
    except (ImportError, AttributeError, OSError, TypeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call, get_errno = libc.unshare, ctypes.get_errno

    def unshare(flags: int) -> None:
        if call(flags) != 0:
            number = get_errno()
            raise NamespaceError(number, f"unshare: {os.strerror(number)}")

    return unshare


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter(uid: int, gid: int) -> None:
    """Move this (single-threaded) process into a new user and network namespace.

    The user namespace maps our own uid and gid to themselves, so bwrap,
    exec'd next, runs as the same user it always does.
    """
    _unshare_function()(CLONE_NEWUSER | CLONE_NEWNET)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    _loopback_up()


def _loopback_up() -> None:
    import fcntl

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        request = b"lo".ljust(16, b"\0") + bytes(16)
        answer = fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request)
        flags = int.from_bytes(answer[16:18], sys.byteorder) | IFF_UP
        fcntl.ioctl(
            sock.fileno(),
            SIOCSIFFLAGS,
            b"lo".ljust(16, b"\0") + flags.to_bytes(2, sys.byteorder) + bytes(14),
        )
    finally:
        sock.close()


def listen(addresses: Sequence[tuple[str, int]]) -> list[socket.socket]:
    """Listening TCP sockets on (host, port) pairs inside the current namespace."""
    sockets = []
    for host, port in addresses:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
        sockets.append(sock)
    return sockets


def channel() -> tuple[socket.socket, socket.socket]:
    """The socket pair between the supervisor and the namespaced child."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


class Child:
    """A forked child that enters its namespace at once and later becomes bwrap.

    The supervisor forks it as soon as it knows the command will run, so that
    making the namespace overlaps with the rest of the preparations; `exec`
    then sends the argv, the environment and the descriptors to install.
    Closing the channel instead (`abandon`) makes the child exit.
    """

    def __init__(self, addresses: Sequence[tuple[str, int]], joining: int | None = None):
        uid, gid = os.getuid(), os.getgid()
        parent_end, child_end = channel()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child execs or exits
            parent_end.close()
            _become_bwrap(child_end, uid, gid, addresses, joining)
        child_end.close()
        self.channel = parent_end
        self.addresses = tuple(addresses)
        self.count = len(addresses)
        self.done = False

    def listening(self) -> list[int]:
        """The listening sockets' descriptors (NamespaceError if the namespace failed)."""
        return receive_fds(self.channel, self.count)

    def exec(self, path: str, argv: Sequence[str], env: dict[str, str], fds: Sequence[int]) -> int:
        import marshal

        body = marshal.dumps((path, list(argv), env))
        rights = b"".join(fd.to_bytes(_INT, sys.byteorder) for fd in fds)
        self.channel.sendmsg(
            [len(body).to_bytes(8, "big")], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)]
        )
        self.channel.sendall(body)
        self.done = True
        return self.pid

    def close(self) -> None:
        self.channel.close()

    def abandon(self) -> None:
        if not self.done:
            self.done = True
            self.channel.close()
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def _become_bwrap(
    channel: socket.socket,
    uid: int,
    gid: int,
    addresses: Sequence[tuple[str, int]],
    joining: int | None = None,
) -> None:  # pragma: no cover - runs in the forked child
    import marshal
    import signal

    try:
        if joining is None:
            enter(uid, gid)
        else:
            join(joining)
        listeners = listen(addresses)
        send_fds(channel, listeners)
        for listener in listeners:
            listener.close()
        header, ancillary, _, _ = channel.recvmsg(
            8, socket.CMSG_SPACE(8 * _INT), socket.MSG_CMSG_CLOEXEC
        )
        if len(header) < 8:
            os._exit(0)
        fds = [
            int.from_bytes(payload[i : i + _INT], sys.byteorder, signed=True)
            for _, _, payload in ancillary
            for i in range(0, len(payload) - len(payload) % _INT, _INT)
        ]
        size = int.from_bytes(header, "big")
        body = b""
        while len(body) < size:
            chunk = channel.recv(min(1 << 20, size - len(body)))
            if not chunk:
                os._exit(0)
            body += chunk
        path, argv, env = marshal.loads(body)
        os.setpgid(0, 0)
        for sig in (
            signal.SIGPIPE,
            signal.SIGXFSZ,
            signal.SIGINT,
            signal.SIGTERM,
            signal.SIGHUP,
            signal.SIGQUIT,
        ):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        import fcntl

        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds]
        for target, fd in enumerate(high):
            os.dup2(fd, target)
        os.execve(path, argv, env)
    except BaseException as exc:
        send_error(channel, f"{type(exc).__name__}: {exc}")
    finally:
        os._exit(127)


def send_fds(channel: socket.socket, sockets: Sequence[socket.socket]) -> None:
    fds = b"".join(sock.fileno().to_bytes(_INT, sys.byteorder) for sock in sockets)
    channel.sendmsg([b"ok"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])


def send_error(channel: socket.socket, message: str) -> None:
    try:
        channel.sendmsg([b"error:" + message.encode("utf-8", "replace")])
    except OSError:
        pass


def receive_fds(channel: socket.socket, count: int) -> list[int]:
    """The listening sockets' descriptors, or NamespaceError with the child's reason."""
    data, ancillary, _, _ = channel.recvmsg(
        4096, socket.CMSG_SPACE(count * _INT), socket.MSG_CMSG_CLOEXEC
    )
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % _INT
            fds += [
                int.from_bytes(payload[i : i + _INT], sys.byteorder, signed=True)
                for i in range(0, usable, _INT)
            ]
    if data != b"ok" or len(fds) != count:
        for fd in fds:
            os.close(fd)
        if data.startswith(b"error:"):
            reason = data[len(b"error:") :].decode("utf-8", "replace")
        else:
            reason = "the namespace helper ended before handing over its sockets"
        raise NamespaceError(0, reason)
    return fds
