"""Background jobs: gone with their command by default; kept alive only when the profile says so."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

from tests.conftest import AGENTSH, Workspace
from tests.sandbox.servers import start_web_server
from tests.sandbox.terminals import wait_for

JOB = "(sleep 1; echo late-output; touch late) & echo started; exit 3"


def _agent_runs(
    ws: Workspace, command: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The way an agent runs a command: pipes it reads to the end, and the exit status."""
    return subprocess.run(
        [AGENTSH, "-c", command],
        cwd=cwd or ws.project,
        env=ws.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,
    )


def _sessions(ws: Workspace) -> list[dict[str, object]]:
    listed = ws.ctl("sessions", "--json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_by_default_a_background_job_ends_with_its_command(ws: Workspace) -> None:
    result = _agent_runs(ws, JOB)
    assert (result.returncode, result.stdout) == (3, "started\n")
    wait_for(lambda: _sessions(ws) == [], "no session kept")
    done = _agent_runs(ws, "sleep 2; ls late 2>/dev/null || echo no-late-file")
    assert done.stdout == "no-late-file\n"


def test_a_kept_job_outlives_its_command_until_stopped(ws: Workspace) -> None:
    ws.user_profile("sandbox:\n  background: keep\n")
    result = _agent_runs(ws, JOB)
    assert (result.returncode, result.stdout) == (3, "started\n")
    wait_for(lambda: (ws.project / "late").exists(), "the job to finish its work", timeout=30)
    log = ws.home / ".local" / "state" / "agentsh" / "sessions"
    wait_for(lambda: _sessions(ws) == [], "the session to end with its last job", timeout=30)
    assert "late-output" in "".join(path.read_text() for path in log.glob("*.log"))

    server = _agent_runs(ws, "sleep 300 & echo serving")
    assert (server.returncode, server.stdout) == (0, "serving\n")
    running = _sessions(ws)
    assert [record["command"] for record in running] == ["sleep 300 & echo serving"]
    stopped = ws.ctl("sessions", "stop", str(running[0]["pid"]))
    assert stopped.returncode == 0, stopped.stderr
    wait_for(lambda: _sessions(ws) == [], "the stopped session to go")
    entries = [json.loads(line) for line in ws.ctl("log", "--json", "-n", "1").stdout.splitlines()]
    assert entries[0]["command"] == "sleep 300 & echo serving"
    assert entries[0]["status"] == 0


def test_an_untrusted_project_profile_cannot_keep_jobs(ws: Workspace) -> None:
    (ws.project / ".agentsh.yaml").write_text("sandbox:\n  background: keep\n")
    result = _agent_runs(ws, JOB)
    assert "keeps background jobs running" in result.stderr
    assert result.returncode == 3
    assert _sessions(ws) == []


def test_stopping_an_unknown_session_says_so(ws: Workspace) -> None:
    result = ws.ctl("sessions", "stop", "999999")
    assert result.returncode == 1
    assert "no background session 999999" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_projects_later_commands_reach_a_kept_server_and_nothing_else(
    ws: Workspace,
) -> None:
    """network.mode none: the kept job's namespace is joined by the project's later
    commands (a dev server started with & answers them), which still reach nothing on
    the host, and another project's commands do not join it."""
    ws.user_profile("sandbox:\n  background: keep\n")
    port = _free_port()
    (ws.project / "index.html").write_text("served from the kept sandbox\n")
    host = start_web_server(ws.root)
    try:
        started = _agent_runs(
            ws, f"python3 -m http.server {port} --bind 127.0.0.1 >server.log 2>&1 & echo up"
        )
        assert (started.returncode, started.stdout) == (0, "up\n")
        fetch = f"python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:{port}/index.html', timeout=5).read().decode().strip())\""
        wait_for(
            lambda: _agent_runs(ws, fetch).stdout == "served from the kept sandbox\n",
            "the kept server to answer a later command",
        )
        from_session = ws.run(input=fetch + "\n")
        assert from_session.stdout == "served from the kept sandbox\n"
        host_probe = _agent_runs(
            ws,
            f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {host.port}), 2)\" "
            "2>/dev/null && echo reached-the-host || echo host-unreachable",
        )
        assert host_probe.stdout == "host-unreachable\n"
        elsewhere = _agent_runs(ws, fetch + " 2>/dev/null || echo not-joined", cwd=ws.sibling)
        assert elsewhere.stdout == "not-joined\n"
    finally:
        ws.ctl("sessions", "stop", "--all")
        host.stop()
    after = _agent_runs(ws, fetch + " 2>/dev/null || echo gone")
    assert after.stdout == "gone\n"
