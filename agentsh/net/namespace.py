"""The sandbox's network namespace, made without helpers (DESIGN: "Network without helper processes").

The process that will become bwrap first unshares a user and a network
namespace, brings up `lo`, and opens the listening sockets the sandbox will
see on 127.0.0.1 (the proxy, the forwards). It hands their descriptors to the
supervisor over a Unix socket (SCM_RIGHTS) and then execs bwrap without
`--unshare-net`, so the sandbox lives in that namespace: its only interface is
loopback, and the only things listening there are sockets the supervisor
serves from outside. Nothing of ours runs inside.

Python 3.11 has no `os.unshare`, so the system call is made through ctypes.
"""

from __future__ import annotations

import os
import socket
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


class NamespaceError(OSError):
    pass


def _unshare(flags: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        number = ctypes.get_errno()
        raise NamespaceError(number, f"unshare: {os.strerror(number)}")


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
    _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    _loopback_up()


def _loopback_up() -> None:
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


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


def send_fds(channel: socket.socket, sockets: Sequence[socket.socket]) -> None:
    fds = [sock.fileno() for sock in sockets]
    channel.sendmsg(
        [b"ok"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
    )


def send_error(channel: socket.socket, message: str) -> None:
    try:
        channel.sendmsg([b"error:" + message.encode("utf-8", "replace")])
    except OSError:
        pass


def receive_fds(channel: socket.socket, count: int) -> list[socket.socket]:
    """The listening sockets the namespaced child made, or NamespaceError with its reason."""
    size = socket.CMSG_SPACE(count * struct.calcsize("i"))
    data, ancillary, _, _ = channel.recvmsg(4096, size, socket.MSG_CMSG_CLOEXEC)
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % struct.calcsize("i")
            fds += struct.unpack(f"{usable // struct.calcsize('i')}i", payload[:usable])
    if data != b"ok" or len(fds) != count:
        for fd in fds:
            os.close(fd)
        reason = (
            data[len(b"error:") :].decode("utf-8", "replace")
            if data.startswith(b"error:")
            else ("the namespace helper ended before handing over its sockets")
        )
        raise NamespaceError(0, reason)
    return [socket.socket(fileno=fd) for fd in fds]
