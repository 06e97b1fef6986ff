"""Real servers on the host's loopback for the network tests: HTTP, HTTPS, TCP echo, PostgreSQL."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(f"{self.command} {self.path}")

    def do_DELETE(self) -> None:
        self.server.requests.append(f"DELETE {self.path}")
        body = b"deleted\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]


@dataclass
class WebServer:
    port: int
    root: Path
    server: _Server
    requests: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_web_server(root: Path, context: ssl.SSLContext | None = None) -> WebServer:
    def handler(*args: object) -> _Handler:
        return _Handler(*args, directory=str(root))  # type: ignore[arg-type]

    server = _Server(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    server.requests = []
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    web = WebServer(server.server_address[1], root, server)
    web.requests = server.requests
    return web


def self_signed_context(folder: Path, name: str) -> ssl.SSLContext:
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def start_echo_server() -> EchoServer:
    server = EchoServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Postgres:
    port: int
    socket_dir: Path
    bin_dir: Path


def postgres_bin() -> Path | None:
    base = Path("/usr/lib/postgresql")
    versions = sorted(base.glob("*/bin/initdb")) if base.is_dir() else []
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Postgres | None]:
    """A PostgreSQL cluster in a temporary directory on a loopback port, or None if not installed.

    It runs as the current user, or as `postgres` when that is root (initdb
    refuses to run as root). User `agentsh` is its superuser, trusted locally.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        yield None
        return
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="agentsh-pg-", dir="/var/tmp"))
    folder.chmod(0o755)
    as_user: list[str] = []
    if os.getuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, sockets = folder / "data", folder / "sockets"
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True)

    try:
        run("mkdir", "-m", "0755", str(sockets))
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "agentsh", "--no-sync")
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(folder / "log"),
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        yield Postgres(port, sockets, bin_dir)
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    with throwaway_postgres() as cluster:
        if cluster is None:
            pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
        yield cluster
