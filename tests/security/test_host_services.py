"""Attempts to reach host services over Unix sockets, and agentsh's own approval socket and audit log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsh.sandbox import landlock
from tests.conftest import Workspace
from tests.sandbox.terminals import ApprovalConsole, wait_for
from tests.security.conftest import (
    GREETING,
    Listener,
    both_layers,
    escape,
    listen_unix,
    probe_connections,
    setup_layers,
    state_of,
)

NETWORK_MODES = {
    "no-network": "",
    "allowlist": "network:\n  mode: allowlist\n  allow: [api.test]\n",
    "open": "network:\n  mode: open\n",
}


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    started: list[Listener] = []
    yield started
    for listener in started:
        listener.close()


def _assert_unreachable(result: subprocess.CompletedProcess[str], listener: Listener) -> None:
    assert GREETING.decode() not in result.stdout, result.stdout
    assert "refused" in result.stdout, result.stdout + result.stderr
    assert listener.accepted == []


@pytest.mark.parametrize("network", NETWORK_MODES.values(), ids=NETWORK_MODES.keys())
def test_socket_in_the_runtime_dir_is_unreachable(
    ws: Workspace, listeners: list[Listener], network: str
) -> None:
    ws.user_profile(network, policy_off=True)
    runtime = Path(ws.env["XDG_RUNTIME_DIR"])
    (runtime / "bus").parent.mkdir(exist_ok=True)
    listener = listen_unix(str(runtime / "bus"))
    listeners.append(listener)
    result = probe_connections(ws, f"unix:{runtime}/bus")
    _assert_unreachable(result, listener)


def test_approval_console_socket_is_unreachable(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    console = ApprovalConsole(ws.env, ws.project)
    try:
        path = Path(ws.env["XDG_RUNTIME_DIR"]) / "agentsh" / "approvals.sock"
        wait_for(path.exists, "the approval socket")
        result = probe_connections(ws, f"unix:{path}")
        request = json.dumps({"answer": "run", "id": 1})
        sent = ws.run(
            "-c",
            f"python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); "
            f's.connect("{path}"); s.sendall(b"""{request}\\n"""); print("sent")\'',
        )
    finally:
        console.stop()
    assert "connected" not in result.stdout, result.stdout
    assert "refused" in result.stdout
    assert "sent" not in sent.stdout
    assert "[1]" not in console.output


@both_layers
def test_audit_log_cannot_be_read_or_written(ws: Workspace, policy_off: bool) -> None:
    setup_layers(ws, policy_off)
    ws.run("-c", "echo first-entry-marker")
    folder = ws.home / ".local" / "state" / "agentsh" / "audit"
    log = folder / "audit.jsonl"
    before = log.read_text()
    assert "first-entry-marker" in before
    result = ws.run(
        "-c",
        f'cat {log}; ls -A {folder}; echo \'{{"seq": 99, "command": "forged"}}\' | tee -a {log}; '
        f'python3 -c \'open("{log}", "w").write("")\'; cp /dev/null {folder}/audit.head',
    )
    assert "first-entry-marker" not in result.stdout
    after = log.read_text()
    assert after.startswith(before)
    entries = [json.loads(line) for line in after.splitlines()]
    assert [entry["seq"] for entry in entries] == [1, 2]
    assert "forged" not in [entry.get("command") for entry in entries]
    assert ws.ctl("log", "--verify").returncode == 0


def test_real_docker_socket_is_unreachable(ws: Workspace) -> None:
    present = [p for p in ("/var/run/docker.sock", "/run/docker.sock") if os.path.exists(p)]
    if not present:
        pytest.skip("no Docker socket on this host (a masked socket is tested separately)")
    ws.user_profile("", policy_off=True)
    result = probe_connections(ws, *(f"unix:{path}" for path in present))
    assert "connected" not in result.stdout, result.stdout
    assert result.stdout.count("refused") == len(present)


@pytest.mark.parametrize("as_dir", [False, True], ids=["socket-file", "socket-dir"])
def test_socket_listed_in_hidden_sockets_is_unreachable(
    ws: Workspace, listeners: list[Listener], as_dir: bool
) -> None:
    services = ws.root / "services"
    services.mkdir()
    path = services / "docker.sock"
    hidden = services if as_dir else path
    ws.user_profile(f"sandbox:\n  hidden_sockets: [{hidden}]\n", policy_off=True)
    listener = listen_unix(str(path))
    listeners.append(listener)
    result = probe_connections(ws, f"unix:{path}")
    _assert_unreachable(result, listener)


@pytest.mark.parametrize(
    "network",
    [
        NETWORK_MODES["no-network"],
        NETWORK_MODES["allowlist"],
        pytest.param(
            NETWORK_MODES["open"],
            marks=pytest.mark.skipif(
                landlock.abi_version() < landlock.SCOPING_ABI,
                reason="with network.mode open only Landlock ABI 6 (Linux 6.12) can scope "
                "the host's abstract sockets away; agentshctl doctor warns about it",
            ),
        ),
    ],
    ids=NETWORK_MODES.keys(),
)
def test_abstract_socket_of_the_host_is_unreachable(
    ws: Workspace, listeners: list[Listener], network: str
) -> None:
    ws.user_profile(network, policy_off=True)
    name = f"agentsh-escape-{os.getpid()}-{os.urandom(4).hex()}"
    listener = listen_unix(b"\0" + name.encode())
    listeners.append(listener)
    result = probe_connections(ws, f"abstract:{name}")
    _assert_unreachable(result, listener)


UNSCANNED = escape(
    "a Unix socket deeper in a dot folder of home (~/.local/share/app) is reachable; only "
    "the top of home, /var/tmp and /dev/shm, and /run, are searched for sockets to mask, "
    "and other projects (folders beside the project, home's own folders) are hidden whole"
)
SOCKET_PLACES = [
    pytest.param("{home}/app.sock", id="home-top"),
    pytest.param("/var/tmp/agentsh-escape-{pid}.sock", id="var-tmp-top"),
    pytest.param("/dev/shm/agentsh-escape-{pid}.sock", id="dev-shm"),
    pytest.param("{home}/.local/share/app/control.sock", id="home-subdir", marks=UNSCANNED),
    pytest.param("{root}/tmux-1000/default", id="var-tmp-subdir"),
    pytest.param("{sibling}/.devserver.sock", id="sibling-project"),
]


def _socket_path(ws: Workspace, place: str) -> Path:
    path = Path(place.format(home=ws.home, root=ws.root, sibling=ws.sibling, pid=os.getpid()))
    if not os.access(path.parent, os.W_OK) and path.parent.exists():
        pytest.skip(f"cannot create a socket in {path.parent} here")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("place", SOCKET_PLACES)
def test_socket_in_a_visible_host_directory_is_unreachable(
    ws: Workspace, listeners: list[Listener], place: str
) -> None:
    ws.user_profile("", policy_off=True)
    path = _socket_path(ws, place)
    listener = listen_unix(str(path))
    listeners.append(listener)
    try:
        result = probe_connections(ws, f"unix:{path}")
    finally:
        path.unlink(missing_ok=True)
    _assert_unreachable(result, listener)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@both_layers
@pytest.mark.parametrize(
    "place", [p for p in SOCKET_PLACES if p.id in ("home-top", "home-subdir", "var-tmp-subdir")]
)
def test_users_tmux_server_cannot_run_commands_on_the_host(
    ws: Workspace, place: str, policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    sock = _socket_path(ws, place)
    marker = ws.root / "ran-on-the-host"
    tmux = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "sleep 600"], check=True, env=ws.env)
    try:
        ws.run(
            "-c",
            f"tmux -S {sock} new-window -d 'touch {marker}; tmux -S {sock} wait-for -S planted' "
            f"&& tmux -S {sock} wait-for planted",
        )
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    assert state_of(marker) is None
