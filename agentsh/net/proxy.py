"""The allowlist proxy and the forwards, served by the supervisor from outside the sandbox.

One listening socket inside the sandbox's namespace speaks both HTTP proxy
(absolute-URI requests and CONNECT) and SOCKS5 (told apart by the first
byte); each forward's socket is relayed to the same address on the host.
Every destination is judged by `rules.HostRules`, resolved on the host (the
sandbox has no DNS), checked again by address, and only then connected.

Each connection is served by a thread, and bytes move with splice(2)
through a pipe, so a transfer costs the supervisor almost no CPU.
"""

from __future__ import annotations

import os
import socket
import threading

from agentsh.net import rules as host_rules
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_HEAD = 64 * 1024
HANDSHAKE_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
CHUNK = 1 << 20
_HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"proxy-authorization",
    b"proxy-authenticate",
    b"te",
    b"trailer",
    b"upgrade",
}


@record(frozen=False)
class Connection:
    """One connection a command made through the proxy or a forward (for the audit entry)."""

    via: str
    """http, connect, socks or forward."""
    host: str
    port: int
    allowed: bool
    reason: str = ""
    address: str = ""
    sent: int = 0
    received: int = 0

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "via": self.via,
            "host": self.host,
            "port": self.port,
            "allowed": self.allowed,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.address:
            data["address"] = self.address
        if self.allowed:
            data["sent"] = self.sent
            data["received"] = self.received
        return data


class Refused(Exception):
    """The connection is not made; `socks_code` 2 means by the rules, 4 and 5 that it failed."""

    def __init__(self, reason: str, socks_code: int = 2):
        super().__init__(reason)
        self.reason = reason
        self.socks_code = socks_code

    @property
    def http_status(self) -> int:
        return 403 if self.socks_code == 2 else 502


class Proxy:
    def __init__(
        self,
        rules: host_rules.HostRules,
        ask: Callable[[str, int], bool] | None = None,
        say: Callable[[str], None] = print,
    ):
        self.rules = rules
        self.ask = ask
        """Asks a human about a host neither allowed nor denied; None refuses it."""
        self.say = say
        self.connections: list[Connection] = []
        self._answers: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._ask_lock = threading.Lock()
        self._listeners: list[socket.socket] = []
        self._told: set[str] = set()

    def serve(self, listener: socket.socket, forward_to: tuple[str, int] | None = None) -> None:
        """Accept on `listener` from a thread of its own until `close`."""
        self._listeners.append(listener)
        threading.Thread(target=self._accept, args=(listener, forward_to), daemon=True).start()

    def close(self) -> list[Connection]:
        for listener in self._listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            return list(self.connections)

    def _accept(self, listener: socket.socket, forward_to: tuple[str, int] | None) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            target = self._forward if forward_to else self._proxy
            threading.Thread(target=target, args=(client, forward_to), daemon=True).start()

    def _record(self, connection: Connection) -> Connection:
        with self._lock:
            self.connections.append(connection)
        return connection

    def _refusal(self, host: str, port: int, reason: str) -> None:
        key = f"{host}:{port}"
        with self._lock:
            if key in self._told:
                return
            self._told.add(key)
        self.say(
            f"agentsh: network: refused {key}: {reason}. To allow it, add it to network.allow "
            "in .agentsh.yaml (or your user profile)"
        )

    def _forward(self, client: socket.socket, target: tuple[str, int] | None) -> None:
        if target is None:
            client.close()
            return
        host, port = target
        record_ = self._record(Connection("forward", host, port, True, address=host))
        try:
            upstream = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            record_.allowed = False
            record_.reason = f"the host service is not reachable ({exc.strerror or exc})"
            client.close()
            return
        try:
            _relay(client, upstream, record_)
        except Exception:
            client.close()
            upstream.close()

    def _proxy(self, client: socket.socket, _: object) -> None:
        try:
            client.settimeout(HANDSHAKE_TIMEOUT)
            first = client.recv(1, socket.MSG_PEEK)
            if first == b"\x05":
                self._socks(client)
            elif first:
                self._http(client)
            else:
                client.close()
        except Exception:  # a broken client must never disturb the command's output
            client.close()

    def open(self, via: str, host: str, port: int) -> tuple[socket.socket, Connection]:
        """Judge, resolve, check and connect; raises Refused with the reason a client is told."""
        host = host_rules.normalise_host(host)
        verdict, why = self.rules.judge_name(host, port)
        if verdict == host_rules.UNLISTED:
            verdict = host_rules.ALLOW if self._asked(host, port) else host_rules.DENY
            why = "a human allowed it for this command" if verdict == host_rules.ALLOW else why
        if verdict != host_rules.ALLOW:
            self._record(Connection(via, host, port, False, why))
            self._refusal(host, port, why)
            raise Refused(why)
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            reason = f"{host} does not resolve ({exc.strerror or exc})"
            self._record(Connection(via, host, port, False, reason))
            raise Refused(reason, 4) from exc
        refusal = ""
        failure: OSError | None = None
        for address in addresses:
            permitted, refusal_reason = self.rules.address_allowed(host, address, port)
            if not permitted:
                refusal = refusal or refusal_reason
                continue
            try:
                upstream = socket.create_connection((str(address), port), timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                failure = exc
                continue
            upstream.settimeout(None)
            return upstream, self._record(Connection(via, host, port, True, why, str(address)))
        if refusal and failure is None:
            self._record(Connection(via, host, port, False, refusal))
            self._refusal(host, port, refusal)
            raise Refused(refusal)
        reason = (
            f"cannot connect to {host}:{port} ({failure.strerror if failure else 'no address'})"
        )
        self._record(Connection(via, host, port, False, reason))
        raise Refused(reason, 5)

    def _asked(self, host: str, port: int) -> bool:
        if self.ask is None:
            return False
        with self._ask_lock:
            if host not in self._answers:
                try:
                    self._answers[host] = bool(self.ask(host, port))
                except Exception:
                    self._answers[host] = False
            return self._answers[host]

    def _resolve(self, host: str, port: int) -> list[host_rules.Address]:
        pinned = self.rules.pinned(host)
        if pinned is not None:
            address = host_rules.parse_address(pinned)
            if address is None:
                raise OSError(f"network.hosts maps {host} to {pinned!r}, which is not an address")
            return [address]
        literal = host_rules.parse_address(host.strip("[]"))
        if literal is not None:
            return [literal]
        found = []
        for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            address = host_rules.parse_address(str(info[4][0]).split("%", 1)[0])
            if address is not None and address not in found:
                found.append(address)
        return found

    def _http(self, client: socket.socket) -> None:
        head, rest = _read_head(client)
        if head is None:
            _reply(client, 400, "agentsh's proxy got no complete HTTP request head")
            return
        request_line, _, headers = head.partition(b"\r\n")
        parts = request_line.split(b" ")
        if len(parts) != 3:
            _reply(client, 400, "agentsh's proxy could not read the request line")
            return
        method, target, version = parts
        if method.upper() == b"CONNECT":
            host, port = _host_port(target.decode("latin-1"), 443)
            self._tunnel(client, "connect", host, port, rest)
            return
        text = target.decode("latin-1")
        if not text.lower().startswith("http://"):
            _reply(
                client,
                400,
                "agentsh's proxy forwards absolute http:// URLs and CONNECT; use https through CONNECT",
            )
            return
        authority, slash, path = text[7:].partition("/")
        authority = authority.rsplit("@", 1)[-1]
        host, port = _host_port(authority, 80)
        try:
            upstream, connection = self.open("http", host, port)
        except Refused as refused:
            _reply(client, refused.http_status, _refusal_body(host, port, refused))
            return
        kept = [
            line
            for line in headers.split(b"\r\n")
            if line and line.split(b":", 1)[0].strip().lower() not in _HOP_BY_HOP
        ]
        origin = (slash + path).encode("latin-1") or b"/"
        forwarded = b"\r\n".join(
            [b" ".join([method, origin, version]), *kept, b"Connection: close", b"", b""]
        )
        try:
            upstream.sendall(forwarded + rest)
        except OSError:
            upstream.close()
            client.close()
            return
        connection.sent += len(forwarded) + len(rest)
        _relay(client, upstream, connection)

    def _tunnel(self, client: socket.socket, via: str, host: str, port: int, rest: bytes) -> None:
        try:
            upstream, connection = self.open(via, host, port)
        except Refused as refused:
            _reply(client, refused.http_status, _refusal_body(host, port, refused))
            return
        try:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
                connection.sent += len(rest)
        except OSError:
            upstream.close()
            client.close()
            return
        _relay(client, upstream, connection)

    def _socks(self, client: socket.socket) -> None:
        greeting = _recv_exact(client, 2)
        methods = _recv_exact(client, greeting[1])
        if 0 not in methods:
            client.sendall(b"\x05\xff")
            client.close()
            return
        client.sendall(b"\x05\x00")
        version, command, _, kind = _recv_exact(client, 4)
        if kind == 1:
            host = socket.inet_ntop(socket.AF_INET, _recv_exact(client, 4))
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, _recv_exact(client, 16))
        elif kind == 3:
            host = _recv_exact(client, _recv_exact(client, 1)[0]).decode("ascii", "replace")
        else:
            _socks_reply(client, 8)
            return
        port = int.from_bytes(_recv_exact(client, 2), "big")
        if version != 5 or command != 1:
            _socks_reply(client, 7)
            return
        try:
            upstream, connection = self.open("socks", host, port)
        except Refused as refused:
            _socks_reply(client, refused.socks_code)
            return
        client.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        _relay(client, upstream, connection)


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the client closed the connection mid-handshake")
        data += chunk
    return data


def _socks_reply(client: socket.socket, code: int) -> None:
    try:
        client.sendall(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))
    except OSError:
        pass
    client.close()


def _read_head(client: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            return None, b""
        chunk = client.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _host_port(authority: str, default: int) -> tuple[str, int]:
    try:
        host, port = host_rules.split_port(authority)
    except host_rules.EntryError:
        return authority, default
    return host, port or default


def _refusal_body(host: str, port: int, refused: Refused) -> str:
    shown = f"[{host}]" if ":" in host else host
    if refused.http_status != 403:
        return f"agentsh's proxy could not reach {shown}:{port}: {refused.reason}.\n"
    return (
        f"agentsh refused the connection to {shown}:{port}: {refused.reason}.\n"
        "To allow it, add it to the network allow list in .agentsh.yaml "
        "(or ~/.config/agentsh/profile.yaml):\n\n"
        f'network:\n  mode: allowlist\n  allow: ["{shown}"]\n'
    )


def _reply(client: socket.socket, status: int, body: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(status, "Error")
    payload = body.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\nX-Agentsh: refused\r\n\r\n"
    )
    try:
        client.sendall(head.encode() + payload)
    except OSError:
        pass
    client.close()


def _relay(client: socket.socket, upstream: socket.socket, connection: Connection) -> None:
    """Copy both ways until both sides are done; counts the bytes into `connection`."""
    client.settimeout(None)
    upstream.settimeout(None)
    back = threading.Thread(
        target=_pump, args=(upstream, client, connection, "received"), daemon=True
    )
    back.start()
    _pump(client, upstream, connection, "sent")
    back.join()
    client.close()
    upstream.close()


def _pump(
    source: socket.socket, target: socket.socket, connection: Connection, counter: str
) -> None:
    total = 0
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return
    try:
        _grow_pipe(write_end)
        while True:
            try:
                moved = os.splice(source.fileno(), write_end, CHUNK)
            except OSError:
                break
            if moved == 0:
                break
            total += moved
            while moved:
                moved -= os.splice(read_end, target.fileno(), moved)
    except OSError:
        pass
    finally:
        os.close(read_end)
        os.close(write_end)
        setattr(connection, counter, getattr(connection, counter) + total)
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _grow_pipe(fd: int) -> None:
    import fcntl

    try:
        fcntl.fcntl(fd, 1031, CHUNK)  # F_SETPIPE_SZ
    except OSError:
        pass
