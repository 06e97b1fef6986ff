"""Confirmation by a human: the inline prompt (driven through tmux), the console, no channel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import AGENTSH, Workspace
from tests.sandbox.terminals import ApprovalConsole, Tmux, needs_tmux, start_agent, wait_for


def _targets(ws: Workspace, *names: str) -> list[Path]:
    paths = []
    for name in names:
        folder = ws.project / name
        folder.mkdir()
        (folder / "file.txt").write_text("keep me\n")
        paths.append(folder)
    return paths


def _agent(ws: Workspace, command: str) -> subprocess.Popen[str]:
    return start_agent(ws, "-c", command)


def _audit_entries(ws: Workspace) -> list[dict[str, object]]:
    listing = ws.ctl("log", "--json", "-n", "0")
    assert listing.returncode == 0, listing.stderr
    return [json.loads(line) for line in listing.stdout.splitlines()]


def test_with_no_channel_a_confirm_is_denied_at_once(ws: Workspace) -> None:
    (target,) = _targets(ws, "data")
    result = ws.run("-c", "rm -rf data")
    assert result.returncode == 126
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("agentsh: blocked: ") and "[rule fs.rm-recursive]" in lines[0]
    assert "agentshctl approvals" in lines[0] and "run the command themselves" in lines[0]
    assert (target / "file.txt").read_text() == "keep me\n"
    last = _audit_entries(ws)[-1]
    assert last["decision"] == "confirm" and last["outcome"] == "denied"
    assert last["approval"] == {
        "channel": "none",
        "answer": "unavailable",
        "tried": ["tty: no controlling terminal", "console: no `agentshctl approvals` is running"],
    }


def test_the_console_answers_two_waiting_agents_independently(
    ws: Workspace, console: ApprovalConsole
) -> None:
    one, two = _targets(ws, "one", "two")
    first, second = _agent(ws, "rm -rf one"), _agent(ws, "rm -rf two")
    number_one = console.request_number("rm -rf one")
    number_two = console.request_number("rm -rf two")
    assert first.poll() is None and second.poll() is None, "both wait at the same time"
    console.send(f"n {number_two}")
    _, err_two = second.communicate(timeout=30)
    assert first.poll() is None, "denying one request leaves the other waiting"
    console.send(f"y {number_one}")
    _, err_one = first.communicate(timeout=30)
    assert first.returncode == 0 and "approved by the user (console)" in err_one
    assert second.returncode == 126 and "denied it in the approval console" in err_two
    assert not one.exists()
    assert (two / "file.txt").read_text() == "keep me\n"
    answers = {e["command"]: e["approval"] for e in _audit_entries(ws)[-2:]}
    assert answers["rm -rf one"]["answer"] == "run"  # type: ignore[index]
    assert answers["rm -rf two"]["answer"] == "deny"  # type: ignore[index]


@pytest.mark.parametrize("how", ["killed", "quit"])
def test_a_console_that_goes_away_denies_everything_pending(
    ws: Workspace, console: ApprovalConsole, how: str
) -> None:
    targets = _targets(ws, "one", "two")
    agents = [_agent(ws, "rm -rf one"), _agent(ws, "rm -rf two")]
    console.request_number("rm -rf one")
    console.request_number("rm -rf two")
    if how == "killed":
        console.process.send_signal(signal.SIGKILL)
    else:
        console.send("q")
    for agent in agents:
        _, err = agent.communicate(timeout=30)
        assert agent.returncode == 126
        expected = "console closed before answering" if how == "killed" else "denied it"
        assert expected in err
    for target in targets:
        assert (target / "file.txt").read_text() == "keep me\n"


def test_no_answer_within_the_timeout_withdraws_the_request(
    ws: Workspace, console: ApprovalConsole
) -> None:
    ws.user_profile("approval:\n  timeout: 1\n")
    (target,) = _targets(ws, "data")
    agent = _agent(ws, "rm -rf data")
    console.request_number("rm -rf data")
    _, err = agent.communicate(timeout=30)
    assert agent.returncode == 126 and "no answer in the approval console within 1 s" in err
    console.wait_for("withdrawn")
    assert (target / "file.txt").exists()


def test_what_runs_is_what_was_shown_even_if_the_script_changes_meanwhile(
    ws: Workspace, console: ApprovalConsole
) -> None:
    one, two = _targets(ws, "one", "two")
    script = ws.project / "cleanup.sh"
    script.write_text("rm -rf one\necho original\n")
    agent = start_agent(ws, "cleanup.sh")
    number = console.request_number("rm -rf one")
    script.write_text("rm -rf two\necho changed\n")
    console.send(f"y {number}")
    out, err = agent.communicate(timeout=30)
    assert agent.returncode == 0, err
    assert out == "original\n"
    assert not one.exists() and (two / "file.txt").exists()


def test_the_sandbox_cannot_reach_the_socket_the_log_or_the_trust_store(
    ws: Workspace, console: ApprovalConsole
) -> None:
    ws.user_profile("", policy_off=True)
    ws.run("-c", "true")
    runtime = Path(ws.env["XDG_RUNTIME_DIR"]) / "agentsh"
    state = ws.home / ".local" / "state" / "agentsh"
    (state / "trust.json").write_text("{}")
    socket_path = runtime / "approvals.sock"
    assert socket_path.exists() and (state / "audit" / "audit.jsonl").exists()
    probe = (
        "import socket, os, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        f"    s.connect({str(socket_path)!r}); print('CONNECTED')\n"
        "except OSError as e: print('refused', e.errno)\n"
        f"for d in ({str(runtime)!r}, {str(state)!r}):\n"
        "    print(d, sorted(os.listdir(d)) if os.path.isdir(d) else 'absent')\n"
        "    try:\n"
        "        open(os.path.join(d, 'audit.jsonl'), 'a').write('forged')\n"
        "        print('WROTE')\n"
        "    except OSError as e: print('cannot write', e.errno)\n"
    )
    result = ws.run("-c", f"python3 -c {_quote(probe)}")
    assert result.returncode == 0, result.stderr
    assert "CONNECTED" not in result.stdout and "WROTE" not in result.stdout
    assert f"{runtime} absent" in result.stdout or f"{runtime} []" in result.stdout
    assert f"{state} []" in result.stdout
    lines = (state / "audit" / "audit.jsonl").read_text().splitlines()
    assert all(json.loads(line)["seq"] for line in lines), "every line is an entry agentsh wrote"
    assert ws.ctl("log", "--verify").returncode == 0


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _prompted(ws: Workspace, tmux: Tmux, command: str) -> None:
    tmux.start(
        f"{AGENTSH} -c {_quote(command)} </dev/null 2>&1 | cat; echo exit=${{PIPESTATUS[0]}}",
        ws.project,
    )
    tmux.wait_for_text("Run it once")


@needs_tmux
def test_the_inline_prompt_denies_by_default(ws: Workspace, tmux: Tmux) -> None:
    (target,) = _targets(ws, "data")
    _prompted(ws, tmux, "rm -rf data")
    screen = tmux.screen()
    assert "rm -rf would delete data" in screen and "[fs.rm-recursive]" in screen
    tmux.keys("Enter")
    screen = tmux.wait_for_text("exit=")
    assert "exit=126" in screen and "the user denied it at the terminal prompt" in screen
    assert (target / "file.txt").read_text() == "keep me\n"


@needs_tmux
def test_the_inline_prompt_runs_it_once_when_chosen(ws: Workspace, tmux: Tmux) -> None:
    (target,) = _targets(ws, "data")
    _prompted(ws, tmux, "rm -rf data && echo gone")
    tmux.keys("Right")
    tmux.keys("Enter")
    screen = tmux.wait_for_text("exit=")
    assert "exit=0" in screen and "gone" in screen
    assert not target.exists()
    assert _audit_entries(ws)[-1]["approval"]["channel"] == "tty"  # type: ignore[index]


@needs_tmux
def test_typing_meant_for_the_agent_never_approves(ws: Workspace, tmux: Tmux) -> None:
    (target,) = _targets(ws, "data")
    _prompted(ws, tmux, "rm -rf data")
    tmux.keys("-l", "run it, yes please ready")
    tmux.keys("Enter")
    screen = tmux.wait_for_text("exit=")
    assert "exit=126" in screen
    assert (target / "file.txt").exists()


@needs_tmux
def test_the_inline_prompt_denies_when_no_one_answers(ws: Workspace, tmux: Tmux) -> None:
    ws.user_profile("approval:\n  timeout: 2\n")
    (target,) = _targets(ws, "data")
    _prompted(ws, tmux, "rm -rf data")
    screen = tmux.wait_for_text("exit=")
    assert "exit=126" in screen and "no answer at the terminal prompt within 2 s" in screen
    assert (target / "file.txt").exists()


@needs_tmux
def test_details_show_the_whole_command_and_what_approval_means(ws: Workspace, tmux: Tmux) -> None:
    _targets(ws, "data")
    _prompted(ws, tmux, "rm -rf data")
    tmux.keys("?")
    screen = tmux.wait_for_text("Approving runs exactly this, once")
    assert "rm -rf data" in screen
    tmux.keys("Escape")
    tmux.wait_for_text("exit=126")


@needs_tmux
def test_the_prompt_is_not_used_when_the_profile_turns_it_off(ws: Workspace, tmux: Tmux) -> None:
    ws.user_profile("approval:\n  channels: [console]\n")
    (target,) = _targets(ws, "data")
    tmux.start(
        f"{AGENTSH} -c 'rm -rf data' </dev/null 2>&1 | cat; echo exit=${{PIPESTATUS[0]}}",
        ws.project,
    )
    screen = tmux.wait_for_text("exit=")
    assert "Run it once" not in screen and "exit=126" in screen
    assert (target / "file.txt").exists()


def test_an_escape_sequence_in_the_command_reaches_the_console_defused(
    ws: Workspace, console: ApprovalConsole
) -> None:
    agent = _agent(ws, "rm -rf data; echo '\x1b]0;owned\x07'")
    console.wait_for("\\x1b]0;owned\\x07")
    assert "\x1b]0;owned" not in console.read()
    console.send("n")
    agent.communicate(timeout=30)
    assert agent.returncode == 126


def test_waiting_agents_are_not_left_behind_when_agentsh_is_stopped(
    ws: Workspace, console: ApprovalConsole
) -> None:
    (target,) = _targets(ws, "data")
    agent = _agent(ws, "rm -rf data")
    console.request_number("rm -rf data")
    os.kill(agent.pid, signal.SIGTERM)
    _, err = agent.communicate(timeout=30)
    assert agent.returncode == 126 and "interrupted while waiting" in err
    console.wait_for("withdrawn")
    wait_for(lambda: _audit_entries(ws)[-1]["approval"] is not None, "the audit entry")
    assert _audit_entries(ws)[-1]["approval"]["answer"] == "interrupted"  # type: ignore[index]
    assert (target / "file.txt").exists()


def test_approving_in_the_console_always_names_the_request(
    ws: Workspace, console: ApprovalConsole
) -> None:
    (target,) = _targets(ws, "data")
    agent = _agent(ws, "rm -rf data")
    number = console.request_number("rm -rf data")
    console.send("y")
    console.wait_for("approving always names the request")
    assert agent.poll() is None and target.exists()
    console.send(f"n {number}")
    agent.communicate(timeout=30)
    assert agent.returncode == 126 and (target / "file.txt").exists()
