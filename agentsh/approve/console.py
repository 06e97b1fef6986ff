"""The approval console's socket and the agentsh side of its protocol.

`agentshctl approvals` listens on `<runtime>/agentsh/approvals.sock` (the
directory is 0700 and hidden from every sandbox). A waiting agentsh connects,
sends its request as one JSON line, and reads one JSON line back:
`{"answer": "run"}` or `{"answer": "deny"}`. A connection that ends without
an answer (the console was closed or crashed) is a denial; when agentsh stops
waiting (timeout, interrupted) it just closes, and the console withdraws the
request.
"""

from __future__ import annotations

import os
import socket
import struct

from agentsh.approve.request import CLOSED, DENY, INTERRUPTED, RUN, TIMEOUT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from agentsh.approve.request import Request

SOCKET_NAME = "approvals.sock"
MAX_MESSAGE = 4 << 20


class Interrupted(Exception):
    """agentsh was asked to stop (SIGTERM, SIGHUP) while waiting for an answer."""


def socket_path(runtime_dir: str) -> str:
    return os.path.join(runtime_dir, SOCKET_NAME)


def peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def connect(runtime_dir: str) -> socket.socket | None:
    """A connection to a console run by this user, or None when none is listening."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(socket_path(runtime_dir))
        if peer_uid(sock) != os.getuid():
            raise ConnectionRefusedError("the console belongs to another user")
    except OSError:
        sock.close()
        return None
    return sock


def ask(runtime_dir: str, request: Request, timeout: float) -> str | None:
    """The console's answer (run, deny, closed, timeout, interrupted); None when no console runs."""
    import json
    import signal
    import time

    sock = connect(runtime_dir)
    if sock is None:
        return None

    def stop(signum: int, frame: object) -> None:
        raise Interrupted

    saved = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            saved[sig] = signal.signal(sig, stop)
    except ValueError:  # not the main thread (the proxy asking about a host): keep the handlers
        pass
    try:
        sock.sendall(json.dumps(request.to_json()).encode() + b"\n")
        deadline = time.monotonic() + timeout
        received = b""
        while b"\n" not in received:
            left = deadline - time.monotonic()
            if left <= 0:
                return TIMEOUT
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return TIMEOUT
            if not chunk:
                return CLOSED
            received += chunk
            if len(received) > MAX_MESSAGE:
                return DENY
        try:
            answer = json.loads(received.split(b"\n", 1)[0]).get("answer")
        except (ValueError, AttributeError):
            return DENY
        return RUN if answer == RUN else DENY
    except (Interrupted, KeyboardInterrupt):
        return INTERRUPTED
    except OSError:
        return CLOSED
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        sock.close()
