"""The audit log as agentsh writes it: every invocation, from many processes, tamper-evident."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import psutil

from tests.conftest import AGENTSH, Workspace
from tests.sandbox.terminals import wait_for


def _entries(ws: Workspace, *filters: str) -> list[dict[str, object]]:
    listing = ws.ctl("log", "--json", "-n", "0", *filters)
    assert listing.returncode == 0, listing.stderr
    return [json.loads(line) for line in listing.stdout.splitlines()]


def _audit_folder(ws: Workspace) -> Path:
    return ws.home / ".local" / "state" / "agentsh" / "audit"


def test_each_invocation_is_one_entry_with_what_happened(ws: Workspace) -> None:
    (ws.project / "data").mkdir()
    assert ws.run("-c", "echo hello; exit 3").returncode == 3
    assert ws.run("-c", "rm -rf /").returncode == 126
    assert ws.run("-c", "rm -rf data").returncode == 126
    ran, denied_outright, unasked = _entries(ws)
    assert ran["command"] == "echo hello; exit 3" and ran["decision"] == "allow"
    assert ran["outcome"] == "ran" and ran["status"] == 3
    assert ran["cwd"] == str(ws.project) and ran["project"] == str(ws.project)
    assert isinstance(ran["cpu_s"], float) and isinstance(ran["peak_rss"], int)
    assert ran["peak_rss"] > 1 << 20 and isinstance(ran["duration_s"], float)
    assert len(str(ran["profile"])) == 64 and ran["approval"] is None
    assert denied_outright["decision"] == "deny" and denied_outright["outcome"] == "blocked"
    assert denied_outright["findings"][0]["rule"]  # type: ignore[index]
    assert unasked["decision"] == "confirm" and unasked["outcome"] == "denied"
    assert unasked["approval"]["channel"] == "none"  # type: ignore[index]
    assert [e["seq"] for e in (ran, denied_outright, unasked)] == [1, 2, 3]


def test_the_log_table_and_its_filters(ws: Workspace) -> None:
    for command in ("echo one", "rm -rf /", "echo two", "git push --force origin main"):
        ws.run("-c", command)
    table = ws.ctl("log")
    assert table.returncode == 0
    assert "echo one" in table.stdout and "rm -rf /" in table.stdout
    assert [e["command"] for e in _entries(ws, "--decision", "deny")] == ["rm -rf /"]
    assert [e["command"] for e in _entries(ws, "--decision", "ran")] == ["echo one", "echo two"]
    assert [e["command"] for e in _entries(ws, "--grep", "TWO")] == ["echo two"]
    assert [e["command"] for e in _entries(ws, "-n", "1")] == ["git push --force origin main"]
    assert len(_entries(ws, "--since", "10m")) == 4
    assert _entries(ws, "--since", "2099-01-01") == []
    bad = ws.ctl("log", "--since", "yesterday-ish")
    assert bad.returncode == 3 and "--since" in bad.stderr


def test_the_chain_holds_for_1000_commands_from_8_agents_and_shows_tampering(
    ws: Workspace,
) -> None:
    """Eight agents at once, 125 commands each: some run, some are refused.

    Afterwards nothing is left behind: no private /tmp, no pending marker, no
    process of any sandbox."""
    (ws.project / "data").mkdir()
    loop = (
        "for i in $(seq 125); do "
        'if [ $((i % 4)) = 0 ]; then "$0" -c "rm -rf data" ; else "$0" -c "echo $1-$i"; fi; '
        "done >/dev/null 2>&1"
    )
    scratch = ws.root / "tmp"
    scratch.mkdir()
    agents = [
        subprocess.Popen(
            ["bash", "-c", loop, AGENTSH, f"agent{n}"],
            cwd=ws.project,
            env={**ws.env, "TMPDIR": str(scratch)},
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(8)
    ]
    for agent in agents:
        assert agent.wait(600) == 0
    assert list(scratch.iterdir()) == [], "every private /tmp was removed"
    assert not list((_audit_folder(ws) / "pending").iterdir()), "no command left a marker"
    leftovers = [
        process.info
        for process in psutil.process_iter(["pid", "name", "cmdline"])
        if str(ws.project) in " ".join(process.info["cmdline"] or [])
        and "agentsh.sandbox.watcher" not in " ".join(process.info["cmdline"] or [])
    ]
    assert leftovers == [], "no sandbox outlived its command"
    verified = ws.ctl("log", "--verify")
    assert verified.returncode == 0, verified.stdout
    assert "1000 entries" in verified.stdout
    entries = _entries(ws)
    assert sorted(e["seq"] for e in entries) == list(range(1, 1001))
    assert sum(1 for e in entries if e["outcome"] == "denied") == 8 * 31
    assert (ws.project / "data").is_dir()

    log_file = _audit_folder(ws) / "audit.jsonl"
    original = log_file.read_bytes()
    lines = original.splitlines(keepends=True)
    index = next(i for i in range(500, 1000) if b'"status":0' in lines[i])
    lines[index] = lines[index].replace(b'"status":0', b'"status":1', 1)
    log_file.write_bytes(b"".join(lines))
    edited = ws.ctl("log", "--verify")
    assert edited.returncode == 1
    assert f"#{index + 2} does not chain to #{index + 1}" in edited.stdout

    del lines[index]
    log_file.write_bytes(b"".join(lines))
    deleted = ws.ctl("log", "--verify")
    assert deleted.returncode == 1 and "entries are missing" in deleted.stdout


def test_an_agentsh_killed_mid_command_still_gets_its_entry(ws: Workspace) -> None:
    agent = subprocess.Popen(
        [AGENTSH, "-c", "sleep 30"],
        cwd=ws.project,
        env=ws.env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pending = _audit_folder(ws) / "pending"
    wait_for(lambda: pending.is_dir() and any(pending.iterdir()), "the pending marker")
    os.kill(agent.pid, signal.SIGKILL)
    agent.wait(30)
    ws.run("-c", "echo after")
    lost, after = _entries(ws)
    assert lost["command"] == "sleep 30" and lost["outcome"] == "lost" and lost["status"] is None
    assert after["command"] == "echo after"
    assert ws.ctl("log", "--verify").returncode == 0


def test_an_audit_log_that_cannot_be_written_stops_the_command(ws: Workspace) -> None:
    folder = _audit_folder(ws)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("in the way\n")
    marker = ws.project / "ran"
    result = ws.run("-c", f"touch {marker}")
    assert result.returncode == 126
    assert not marker.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "audit log" in lines[0] and "did not run" in lines[0]


def test_peak_memory_counts_the_whole_process_tree(ws: Workspace) -> None:
    """Three processes of ~80 MB at once: more than any one of them alone."""
    ws.user_profile("", policy_off=True)
    hog = "python3 -c 'b = bytearray(80 << 20); b[::4096] = b\"x\" * len(b[::4096]); import time; time.sleep(1.5)'"
    result = ws.run("-c", f"{hog} & {hog} & {hog} & wait")
    assert result.returncode == 0, result.stderr
    (entry,) = _entries(ws)
    assert entry["peak_rss"] > 200 << 20  # type: ignore[operator]
    assert entry["cpu_s"] > 0  # type: ignore[operator]


def test_a_full_disk_refuses_the_command_rather_than_running_it_unrecorded(
    ws: Workspace,
) -> None:
    """The file-size limit makes every write the supervisor makes fail, as a full disk would."""
    import resource

    assert ws.run("-c", "true").returncode == 0
    marker = ws.project / "ran"

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (8, 8))

    result = subprocess.run(
        [AGENTSH, "-c", f"touch {marker}"],
        cwd=ws.project,
        env=ws.env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=full_disk,
        start_new_session=True,
    )
    assert result.returncode == 126
    assert not marker.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "cannot record the command in the audit log before it runs" in lines[0]
    assert "did not run" in lines[0]
