"""Attempts to reach the host's loopback, the cloud metadata address and DNS from inside."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import Workspace
from tests.security.conftest import GREETING, Listener, listen_tcp, probe_connections, write_script

NO_NETWORK = ""
ALLOWLIST = "network:\n  mode: allowlist\n  allow: [api.test]\n"
MODES = pytest.mark.parametrize("network", [NO_NETWORK, ALLOWLIST], ids=["no-network", "allowlist"])


@pytest.fixture
def host_service() -> Iterator[Listener]:
    listener = listen_tcp()
    yield listener
    listener.close()


@MODES
def test_host_loopback_is_unreachable_directly(
    ws: Workspace, host_service: Listener, network: str
) -> None:
    ws.user_profile(network, policy_off=True)
    port = host_service.port
    targets = [f"tcp:{host}:{port}" for host in ("127.0.0.1", "127.0.1.1", "0.0.0.0")]
    result = probe_connections(ws, *targets)
    assert GREETING.decode() not in result.stdout, result.stdout
    refused = [line for line in result.stdout.splitlines() if line.startswith("refused")]
    assert len(refused) == 3, result.stdout + result.stderr
    assert host_service.accepted == []


THROUGH_PROXY = """
import os, socket, sys
proxy_port = int(os.environ.get("AGENTSH_PROXY", "http://127.0.0.1:0").rsplit(":", 1)[1])
port = int(sys.argv[1])
for host in sys.argv[2:]:
    for via in ("connect", "http", "socks"):
        try:
            sock = socket.create_connection(("127.0.0.1", proxy_port), timeout=10)
        except OSError as exc:
            print("no-proxy", via, host, exc)
            continue
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if via == "connect":
            sock.sendall(f"CONNECT {authority} HTTP/1.1\\r\\nHost: {authority}\\r\\n\\r\\n".encode())
        elif via == "http":
            sock.sendall(f"GET http://{authority}/ HTTP/1.1\\r\\nHost: {authority}\\r\\n\\r\\n".encode())
        else:
            sock.sendall(b"\\x05\\x01\\x00")
            sock.recv(2)
            name = host.encode()
            sock.sendall(b"\\x05\\x01\\x00\\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
        try:
            reply = sock.recv(4096)
        except OSError as exc:
            reply = str(exc).encode()
        sock.close()
        if via == "socks":
            denied = reply[:1] == b"\\x05" and reply[1:2] not in (b"\\x00", b"")
        else:
            denied = reply.startswith(b"HTTP/1.1 403") and b"X-Agentsh: refused" in reply
        print("denied" if denied else "passed", via, host, reply[:120])
"""

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "localhost.",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0.0.0.0",
    "::1",
    "::ffff:127.0.0.1",
    "LOCALHOST",
    "api.test.127.0.0.1.nip.io",
]


def test_host_loopback_through_the_proxy_is_refused(ws: Workspace, host_service: Listener) -> None:
    ws.user_profile(ALLOWLIST, policy_off=True)
    port = host_service.port
    script = write_script(ws, "through_proxy.py", THROUGH_PROXY)
    result = ws.run("-c", f"{script} {port} {' '.join(LOOPBACK_SPELLINGS)}", timeout=120)
    verdicts = [line.split()[0] for line in result.stdout.splitlines()]
    assert verdicts == ["denied"] * 3 * len(LOOPBACK_SPELLINGS), result.stdout + result.stderr
    assert GREETING.decode() not in result.stdout
    assert host_service.accepted == []


@MODES
def test_metadata_address_is_unreachable(ws: Workspace, network: str) -> None:
    ws.user_profile(network, policy_off=True)
    script = write_script(ws, "through_proxy.py", THROUGH_PROXY)
    result = ws.run(
        "-c",
        "python3 -c 'import socket; socket.create_connection((\"169.254.169.254\", 80), timeout=5)' "
        "2>/dev/null && echo metadata-connected; "
        f"{script} 80 169.254.169.254 fd00:ec2::254 169.254.170.2; "
        "curl -fsS -m 5 http://169.254.169.254/latest/meta-data/ && echo metadata-answered",
        timeout=120,
    )
    assert "metadata-connected" not in result.stdout
    assert "metadata-answered" not in result.stdout
    verdicts = [line.split()[0] for line in result.stdout.splitlines()]
    expected = "denied" if network == ALLOWLIST else "no-proxy"
    assert verdicts == [expected] * 9, result.stdout + result.stderr


class _UdpCounter:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.received.append(data)
            self.sock.sendto(data, peer)

    def close(self) -> None:
        self.sock.close()


DNS_PROBE = """
import socket, sys
for name in ("example.com", "pypi.org", "api.test"):
    try:
        print("resolved", name, socket.getaddrinfo(name, 443)[0][4])
    except OSError as exc:
        print("unresolved", name, exc)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(2)
try:
    udp.sendto(b"query", ("127.0.0.1", int(sys.argv[1])))
    print("udp answered", udp.recvfrom(100))
except OSError as exc:
    print("udp refused", exc)
"""


@MODES
def test_dns_and_udp_to_the_host_fail(ws: Workspace, network: str) -> None:
    ws.user_profile(network, policy_off=True)
    counter = _UdpCounter()
    try:
        script = write_script(ws, "dns_probe.py", DNS_PROBE)
        result = ws.run(
            "-c", f"{script} {counter.port}; getent hosts example.com && echo getent-resolved"
        )
    finally:
        counter.close()
    assert "resolved " not in result.stdout.replace("unresolved", ""), result.stdout
    assert "getent-resolved" not in result.stdout
    assert "udp answered" not in result.stdout
    assert counter.received == []
