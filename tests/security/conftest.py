"""Helpers for the escape tests: what counts as a leak, host-side listeners and processes."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SECRET, Workspace

NOTICE = "hidden by agentsh"
GREETING = b"HELLO-FROM-THE-HOST"
both_layers = pytest.mark.parametrize(
    "policy_off", [True, False], ids=["sandbox-alone", "with-policy"]
)
"""Run an attack against the sandbox alone and again with the default command policy in front."""


def escape(reason: str) -> pytest.MarkDecorator:
    """Marks an attack that currently succeeds: the test fails until agentsh stops it."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"ESCAPE: {reason}")


def assert_nothing_leaked(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert SECRET not in output, f"the secret leaked:\n{output}"


def setup_layers(ws: Workspace, policy_off: bool) -> None:
    ws.user_profile("", policy_off=policy_off)


def write_script(ws: Workspace, name: str, code: str) -> str:
    """A Python script in the project, so the command line the policy sees is just `python3 NAME`."""
    (ws.project / name).write_text(code)
    return f"python3 {name}"


FileState = tuple[bytes, int, int] | tuple[str, ...] | None


def state_of(path: Path) -> FileState:
    """Content, inode and mtime of a file; the sorted entries of a directory; None when absent."""
    if not os.path.lexists(path):
        return None
    if path.is_dir() and not path.is_symlink():
        return tuple(sorted(os.listdir(path)))
    st = path.lstat()
    data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return (data, st.st_ino, st.st_mtime_ns)


def states(*paths: Path) -> dict[Path, FileState]:
    return {path: state_of(path) for path in paths}


def tree_state(top: Path) -> tuple[tuple[str, int, bytes], ...] | None:
    """Every entry under `top` with its mode and content (a link's target), or None when absent."""
    if not os.path.lexists(top):
        return None
    entries = []
    for folder, dirs, files in os.walk(top):
        for name in sorted([*dirs, *files]):
            path = Path(folder, name)
            st = path.lstat()
            if path.is_symlink():
                data = os.readlink(path).encode()
            elif path.is_file():
                data = path.read_bytes()
            else:
                data = b""
            entries.append((str(path.relative_to(top)), st.st_mode, data))
    return (("", top.lstat().st_mode, b""), *sorted(entries))


@dataclass
class Listener:
    """A host server that greets every client and counts them."""

    sock: socket.socket
    address: str | tuple[str, int] | bytes
    accepted: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        assert isinstance(self.address, tuple)
        return self.address[1]

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append("client")
            try:
                client.sendall(GREETING + b"\n")
            except OSError:
                pass
            client.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def listen_unix(address: str | bytes) -> Listener:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(address)
    sock.listen(8)
    listener = Listener(sock, address)
    threading.Thread(target=listener.serve, daemon=True).start()
    return listener


def listen_tcp() -> Listener:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    listener = Listener(sock, sock.getsockname())
    threading.Thread(target=listener.serve, daemon=True).start()
    return listener


CONNECT_PROBE = """
import socket, sys
for spec in sys.argv[1:]:
    if spec.startswith("tcp:"):
        host, port = spec[4:].rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = b"\\0" + spec[9:].encode() if spec.startswith("abstract:") else spec[5:]
    sock.settimeout(5)
    try:
        sock.connect(target)
        print("connected", spec, sock.recv(100).decode(errors="replace").strip())
    except OSError as exc:
        print("refused", spec, exc)
    finally:
        sock.close()
"""
"""Arguments: `unix:/path`, `abstract:name` or `tcp:host:port`; prints one line per target."""


def probe_connections(ws: Workspace, *targets: str) -> subprocess.CompletedProcess[str]:
    command = write_script(ws, "connect_probe.py", CONNECT_PROBE)
    return ws.run("-c", " ".join([command, *targets]), timeout=60)


@pytest.fixture
def host_sleeper(ws: Workspace) -> Iterator[subprocess.Popen[bytes]]:
    """A host process of the same user with a secret in its environment, outside every sandbox."""
    process = subprocess.Popen(
        ["sleep", f"600.{os.getpid()}{int.from_bytes(os.urandom(3), 'big')}"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LEAKED_TOKEN": SECRET},
        cwd=ws.home / ".aws",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield process
    process.kill()
    process.wait(10)
