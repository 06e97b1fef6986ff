"""The network layer with real servers on the host's loopback and real clients in the sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Workspace, needs_git
from tests.sandbox.servers import (
    EchoServer,
    Postgres,
    WebServer,
    postgres,  # noqa: F401  (fixture)
    self_signed_context,
    start_echo_server,
    start_web_server,
)
from tests.sandbox.terminals import ApprovalConsole, start_agent

PINNED = "  hosts: {api.test: 127.0.0.1, other.test: 127.0.0.1, bad.api.test: 127.0.0.1, pypi.test: 127.0.0.1}\n"
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def _allowlist(ws: Workspace, *allow: str, extra: str = "", policy_off: bool = True) -> None:
    ws.user_profile(
        "network:\n  mode: allowlist\n"
        f"  allow: {json.dumps(list(allow))}\n  deny: [bad.api.test]\n{PINNED}{extra}",
        policy_off=policy_off,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    root = tmp_path_factory.mktemp("site")
    (root / "hello.txt").write_text("hello from the host\n")
    server = start_web_server(root)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    root = tmp_path_factory.mktemp("tls")
    (root / "hello.txt").write_text("hello over tls\n")
    server = start_web_server(root, self_signed_context(root, "api.test"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    server = start_echo_server()
    yield server
    server.shutdown()
    server.server_close()


def _sh(ws: Workspace, command: str) -> subprocess.CompletedProcess[str]:
    return ws.run("-c", command, timeout=120)


def _last_entry(ws: Workspace) -> dict[str, object]:
    listing = ws.ctl("log", "--json", "-n", "1")
    return dict(json.loads(listing.stdout))


SOCKS_ECHO = """
import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", int(os.environ["ALL_PROXY"].rsplit(":", 1)[1])))
s.sendall(b"\\x05\\x01\\x00"); assert s.recv(2) == b"\\x05\\x00"
name = host.encode()
s.sendall(b"\\x05\\x01\\x00\\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
reply = s.recv(10)
if reply[1] != 0:
    print("socks refused", reply[1]); sys.exit(3)
s.sendall(b"ping through socks"); print(s.recv(100).decode())
"""


def test_by_default_there_is_no_network_at_all(ws: Workspace, site: WebServer) -> None:
    ws.user_profile("", policy_off=True)
    result = _sh(ws, f"curl -sS -m 5 http://127.0.0.1:{site.port}/hello.txt; env | grep -ci proxy")
    assert "hello from the host" not in result.stdout
    assert result.stdout.strip().endswith("0"), "no proxy variables without a proxy"


@needs_curl
def test_an_allowed_name_gets_through_http_and_https(
    ws: Workspace, site: WebServer, tls_site: WebServer
) -> None:
    _allowlist(ws, "api.test")
    result = _sh(
        ws,
        f"curl -sS -m 10 http://api.test:{site.port}/hello.txt && "
        f"curl -sS -m 10 -k https://api.test:{tls_site.port}/hello.txt",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from the host\nhello over tls\n"
    connections = _last_entry(ws)["network"]
    assert [(c["via"], c["host"], c["allowed"]) for c in connections] == [  # type: ignore[union-attr,index]
        ("http", "api.test", True),
        ("connect", "api.test", True),
    ]
    assert all(c["received"] > 0 for c in connections)  # type: ignore[union-attr,index]


def test_python_urllib_uses_the_proxy(ws: Workspace, site: WebServer) -> None:
    _allowlist(ws, "api.test")
    code = f"import urllib.request; print(urllib.request.urlopen('http://api.test:{site.port}/hello.txt').read().decode())"
    result = _sh(ws, f'python3 -c "{code}"')
    assert result.returncode == 0, result.stderr
    assert "hello from the host" in result.stdout


@needs_curl
def test_an_unlisted_name_is_refused_with_a_message_that_says_how_to_allow_it(
    ws: Workspace, site: WebServer
) -> None:
    _allowlist(ws, "api.test")
    result = _sh(ws, f"curl -sS -m 10 http://other.test:{site.port}/hello.txt")
    assert "hello from the host" not in result.stdout
    assert "agentsh refused the connection to other.test" in result.stdout
    assert "network:" in result.stdout and 'allow: ["other.test"]' in result.stdout
    tunnel = _sh(ws, f"curl -sS -m 10 -k https://other.test:{site.port}/")
    assert tunnel.returncode != 0
    assert "agentsh: network: refused other.test" in tunnel.stderr


@needs_curl
def test_deny_wins_over_a_wildcard_allow(ws: Workspace, site: WebServer) -> None:
    _allowlist(ws, "*.api.test", "api.test")
    result = _sh(ws, f"curl -sS -m 10 http://bad.api.test:{site.port}/hello.txt")
    assert "hello from the host" not in result.stdout
    assert "bad.api.test is in network.deny" in result.stdout


@needs_curl
def test_ip_literals_and_names_of_internal_addresses_are_refused(
    ws: Workspace, site: WebServer
) -> None:
    _allowlist(ws, "localhost")
    via_proxy = "curl -sS -m 10 --noproxy '' -x \"$HTTP_PROXY\""
    literal = _sh(ws, f"{via_proxy} http://127.0.0.1:{site.port}/hello.txt")
    assert "IP addresses are refused unless network.allow lists them" in literal.stdout
    internal = _sh(ws, f"{via_proxy} http://localhost:{site.port}/hello.txt")
    assert "resolves to 127.0.0.1, an internal address" in internal.stdout
    assert "hello from the host" not in literal.stdout + internal.stdout


def test_raw_tcp_goes_through_socks_and_nothing_else_reaches_the_host(
    ws: Workspace, echo: EchoServer
) -> None:
    _allowlist(ws, "api.test")
    ws.project.joinpath("socks.py").write_text(SOCKS_ECHO)
    through = _sh(ws, f"python3 socks.py api.test {echo.port}")
    assert through.returncode == 0, through.stderr
    assert "ping through socks" in through.stdout
    refused = _sh(ws, f"python3 socks.py other.test {echo.port}")
    assert refused.returncode == 3 and "socks refused 2" in refused.stdout
    direct = _sh(
        ws,
        f"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {echo.port}), 3)'",
    )
    assert direct.returncode != 0 and "ConnectionRefusedError" in direct.stderr


def test_a_forwarded_port_is_reachable_and_others_are_not(
    ws: Workspace, echo: EchoServer, site: WebServer
) -> None:
    ws.user_profile(f"network:\n  forward: ['127.0.0.1:{echo.port}']\n", policy_off=True)
    code = (
        "import socket, sys\n"
        f"s = socket.create_connection(('127.0.0.1', {echo.port}), 5); s.sendall(b'forwarded')\n"
        "print(s.recv(100).decode())\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {site.port}), 3); print('REACHED')\n"
        "except OSError as e: print('other port:', type(e).__name__)\n"
    )
    ws.project.joinpath("probe.py").write_text(code)
    result = _sh(ws, "python3 probe.py; env | grep -c -i _proxy; true")
    assert result.returncode == 0, result.stderr
    assert "forwarded" in result.stdout and "REACHED" not in result.stdout
    assert "other port: ConnectionRefusedError" in result.stdout
    assert result.stdout.strip().endswith("0"), "forwards alone set no proxy variables"


@needs_git
def test_git_clones_over_http_through_the_proxy(ws: Workspace, site: WebServer) -> None:
    bare = site.root / "repo.git"
    if not bare.exists():
        source = site.root.parent / "repo-src"
        subprocess.run(["git", "init", "-q", str(source)], check=True)
        (source / "file.txt").write_text("from the host's repository\n")
        git = ["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-qm", "x"], check=True)
        subprocess.run(["git", "clone", "-q", "--bare", str(source), str(bare)], check=True)
        subprocess.run(["git", "-C", str(bare), "update-server-info"], check=True)
    _allowlist(ws, "api.test")
    result = _sh(
        ws, f"git clone -q http://api.test:{site.port}/repo.git /tmp/c && cat /tmp/c/file.txt"
    )
    assert result.returncode == 0, result.stderr
    assert "from the host's repository" in result.stdout


def _wheel(folder: Path) -> None:
    name = "demo_pkg-1.0-py3-none-any.whl"
    target = folder / "simple" / "demo-pkg"
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html").write_text(f'<a href="{name}">{name}</a>\n')
    with zipfile.ZipFile(target / name, "w") as archive:
        archive.writestr("demo_pkg/__init__.py", "")
        archive.writestr(
            "demo_pkg-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n",
        )
        archive.writestr(
            "demo_pkg-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr("demo_pkg-1.0.dist-info/RECORD", "")


def test_pip_downloads_from_an_allowed_index(ws: Workspace, site: WebServer) -> None:
    _wheel(site.root)
    _allowlist(ws, "pypi.test")
    result = _sh(
        ws,
        f"{sys.executable} -m pip download --no-deps --no-cache-dir --disable-pip-version-check "
        f"--index-url http://pypi.test:{site.port}/simple/ --trusted-host pypi.test "
        "-d /tmp/dl demo-pkg && ls /tmp/dl",
    )
    assert result.returncode == 0, result.stderr
    assert "demo_pkg-1.0-py3-none-any.whl" in result.stdout


def _node_supports_env_proxy() -> bool:
    node = shutil.which("node")
    if node is None:
        return False
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major, minor = (int(x) for x in version.lstrip("v").split(".")[:2])
    return major >= 24 or (major == 22 and minor >= 21)


@pytest.mark.skipif(
    not _node_supports_env_proxy(), reason="Node older than 22.21 ignores NODE_USE_ENV_PROXY"
)
def test_node_fetch_uses_the_proxy(ws: Workspace, site: WebServer) -> None:
    _allowlist(ws, "api.test")
    code = f"fetch('http://api.test:{site.port}/hello.txt').then(r => r.text()).then(t => console.log(t))"
    result = _sh(ws, f'node -e "{code}"')
    assert result.returncode == 0, result.stderr
    assert "hello from the host" in result.stdout


def test_postgres_reachable_only_through_a_forward(ws: Workspace, postgres: Postgres) -> None:  # noqa: F811
    psql = f"{postgres.bin_dir / 'psql'} -h 127.0.0.1 -p {postgres.port} -U agentsh -d postgres -Atc 'select 40 + 2'"
    ws.user_profile("")
    unforwarded = _sh(ws, psql)
    assert unforwarded.returncode != 0 and "42" not in unforwarded.stdout
    ws.user_profile(f"network:\n  forward: ['127.0.0.1:{postgres.port}']\n")
    forwarded = _sh(ws, psql)
    assert forwarded.returncode == 0, forwarded.stderr
    assert forwarded.stdout.strip() == "42"
    socket_psql = f"{postgres.bin_dir / 'psql'} -h {postgres.socket_dir} -p {postgres.port} -U agentsh -d postgres -Atc 'select 1'"
    ws.user_profile(f"sandbox:\n  hidden_sockets: ['{postgres.socket_dir}']\n")
    assert _sh(ws, socket_psql).returncode != 0, "a listed socket directory is hidden"
    ws.user_profile(
        f"sandbox:\n  hidden_sockets: ['{postgres.socket_dir}']\n"
        f"network:\n  sockets: ['{postgres.socket_dir}']\n"
    )
    through_socket = _sh(ws, socket_psql)
    assert through_socket.returncode == 0, through_socket.stderr


@needs_curl
def test_an_unlisted_host_can_be_allowed_once_by_a_human(
    ws: Workspace, site: WebServer, console: ApprovalConsole
) -> None:
    _allowlist(ws, "api.test")
    agent = start_agent(ws, "-c", f"curl -sS -m 60 http://other.test:{site.port}/hello.txt")
    number = console.request_number(f"curl -sS -m 60 http://other.test:{site.port}/hello.txt")
    assert "wants to connect to other.test" in console.read()
    console.send(f"y {number}")
    out, err = agent.communicate(timeout=60)
    assert agent.returncode == 0, err
    assert "hello from the host" in out
    asks = _last_entry(ws)["network_asks"]
    assert asks == [
        {"host": "other.test", "port": site.port, "channel": "console", "answer": "run"}
    ]


@needs_curl
def test_an_approved_command_is_granted_its_host_for_that_run_only(
    ws: Workspace, site: WebServer, console: ApprovalConsole
) -> None:
    ws.user_profile(f"network:\n{PINNED}  ask: false\n")
    command = f"curl -sS -m 30 -X DELETE http://api.test:{site.port}/volume/1"
    agent = start_agent(ws, "-c", command)
    console.send(f"y {console.request_number(command)}")
    out, err = agent.communicate(timeout=60)
    assert agent.returncode == 0, err
    assert out == "deleted\n" and "DELETE /volume/1" in site.requests
    assert _last_entry(ws)["granted"] == ["api.test"]
    again = _sh(ws, f"curl -sS -m 10 http://api.test:{site.port}/hello.txt")
    assert "hello from the host" not in again.stdout, "the grant ended with that invocation"
