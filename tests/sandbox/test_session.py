"""Sessions: `agentsh` without a command, fed on stdin or typed at a terminal (the REPL).

Every line runs in a fresh sandbox and is judged on its own; the state bash
keeps (cwd, variables, functions, aliases, options, `$?`) is carried over.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import AGENTSH, SECRET, Workspace
from tests.sandbox.terminals import Tmux, needs_tmux, wait_for


def _session(ws: Workspace, text: str) -> tuple[int, str, str]:
    result = ws.run(input=text)
    return result.returncode, result.stdout, result.stderr


def test_state_is_carried_from_line_to_line(ws: Workspace) -> None:
    (ws.project / "place").mkdir()
    status, out, err = _session(
        ws,
        "cd place\n"
        "export EXPORTED=1; plain=2; arr=(a 'b c')\n"
        "alias hello='echo hello from alias'\n"
        'greet() {\n  echo "greet $1 $EXPORTED $plain ${arr[1]}"\n}\n'
        "shopt -s extglob; set -o pipefail; umask 027\n"
        "pwd\n"
        "hello\n"
        "greet you\n"
        "bash -c 'echo child sees ${EXPORTED-nothing} ${plain-nothing}'\n"
        "shopt -q extglob && set -o | grep -q 'pipefail.*on' && umask\n"
        'unset EXPORTED; echo "after unset: ${EXPORTED-gone}"\n'
        "cd - >/dev/null; pwd\n",
    )
    assert status == 0, err
    assert out.splitlines() == [
        str(ws.project / "place"),
        "hello from alias",
        "greet you 1 2 b c",
        "child sees 1 nothing",
        "0027",
        "after unset: gone",
        str(ws.project),
    ]


def test_status_exit_and_errors_behave_like_bash(ws: Workspace) -> None:
    status, out, _ = _session(ws, 'false\necho "status $?"\n(exit 7)\nexit\necho never\n')
    assert (status, out) == (7, "status 1\n")
    status, out, err = _session(ws, "set -e\necho before\nfalse\necho never\n")
    assert (status, out) == (1, "before\n")
    status, out, err = _session(ws, "echo one\nfi\necho never\n")
    assert (status, out) == (2, "one\n")
    assert "syntax error near unexpected token `fi'" in err


def test_commands_span_lines_and_read_the_lines_that_follow(ws: Workspace) -> None:
    status, out, err = _session(
        ws,
        'for n in 1 2; do\n  echo "n=$n"\ndone\n'
        "cat <<'EOF'\nheredoc line\nEOF\n"
        "echo 'quoted\nnewline'\n"
        "read -r answer\nthis line is read, not run\n"
        'echo "answer=$answer"\n'
        "echo continued \\\n  line\n",
    )
    assert status == 0, err
    assert out.splitlines() == [
        "n=1",
        "n=2",
        "heredoc line",
        "quoted",
        "newline",
        "answer=this line is read, not run",
        "continued line",
    ]


def test_each_line_is_judged_and_sandboxed(ws: Workspace) -> None:
    (ws.project / "data").mkdir()
    (ws.project / "data" / "rows.db").write_text("rows")
    status, out, err = _session(
        ws,
        "cd data\n"
        "rm -rf ../data\n"
        'echo "blocked with $?"\n'
        "cat ../.env\n"
        "echo $RAILWAY_TOKEN\n"
        "touch made-here && ls\n",
    )
    assert "blocked with 126" in out
    assert "[rule fs.rm-recursive]" in err
    assert SECRET not in out + err
    assert "hidden by agentsh" in out
    assert (ws.project / "data" / "rows.db").read_text() == "rows"
    assert (ws.project / "data" / "made-here").exists()
    assert status == 0


def test_a_definition_is_judged_where_it_is_used(ws: Workspace) -> None:
    """A function the policy stopped at definition is not defined; calling the name later
    runs no deletion, and the audit log holds one entry per line."""
    (ws.project / "data").mkdir()
    status, out, _ = _session(ws, 'wipe() { rm -rf data; }\nwipe\necho "status $?"\nls -d data\n')
    assert "status 127" in out
    assert status == 0
    assert out.rstrip().endswith("data")
    assert (ws.project / "data").is_dir()
    log = ws.ctl("log", "--json", "-n", "4")
    entries = [json.loads(line) for line in log.stdout.splitlines()]
    assert [entry["mode"] for entry in entries] == ["session"] * 4
    assert [entry["command"] for entry in entries] == [
        "wipe() { rm -rf data; }",
        "wipe",
        'echo "status $?"',
        "ls -d data",
    ]
    assert entries[0]["outcome"] in ("blocked", "denied")


def test_the_session_tmp_persists_between_lines_and_is_removed_after(ws: Workspace) -> None:
    before = set(os.listdir("/tmp"))
    status, out, _ = _session(ws, "echo kept > /tmp/note\ncat /tmp/note\nls /tmp\n")
    assert status == 0
    assert out.splitlines()[0] == "kept"
    assert "note" in out.splitlines()[1:]
    leftovers = {name for name in set(os.listdir("/tmp")) - before if name.startswith("agentsh-")}
    assert not leftovers


def test_arguments_and_options_start_the_session(ws: Workspace) -> None:
    result = ws.run("-s", "first", "second", input='echo "$# $1 $2"\n')
    assert result.stdout == "2 first second\n"
    result = ws.run("-e", input="false\necho never\n")
    assert (result.returncode, result.stdout) == (1, "")
    result = ws.run("-o", "pipefail", input="false | true\necho $?\n")
    assert result.stdout == "1\n"


@needs_tmux
def test_the_terminal_repl_carries_state_asks_inline_and_keeps_history(
    ws: Workspace, tmux: Tmux
) -> None:
    (ws.project / "place").mkdir()
    (ws.project / "data").mkdir()
    tmux.start(f"{AGENTSH}; echo REPL ENDED $?", ws.project)
    tmux.wait_for_text("agentsh:")
    tmux.keys("cd place", "Enter")
    tmux.wait_for_text("/place$")
    tmux.keys("export SEEN=yes; echo seen=$SEEN", "Enter")
    tmux.wait_for_text("seen=yes")
    tmux.keys("echo again=$SEEN in $(pwd)", "Enter")
    tmux.wait_for_text(f"again=yes in {ws.project / 'place'}")
    tmux.keys("rm -rf ../data", "Enter")
    tmux.wait_for_text("Run it once")
    tmux.keys("Enter")
    tmux.wait_for_text("the user denied it at the terminal prompt")
    assert (ws.project / "data").is_dir()
    tmux.keys("Up")
    wait_for(
        lambda: tmux.screen().rstrip().endswith("$ rm -rf ../data"), "history recalls the line"
    )
    tmux.keys("C-u", "exit 4", "Enter")
    tmux.wait_for_text("REPL ENDED 4")
    history = ws.home / ".local" / "state" / "agentsh" / "history"
    assert "export SEEN=yes" in history.read_text()


def test_a_long_session_keeps_its_memory_flat(ws: Workspace) -> None:
    """300 commands in one session: the supervisor's own memory does not grow with them."""
    import psutil

    agent = subprocess.Popen(
        [AGENTSH],
        cwd=ws.project,
        env=ws.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert agent.stdin is not None and agent.stdout is not None
    process = psutil.Process(agent.pid)
    samples = []
    try:
        for number in range(300):
            agent.stdin.write(
                f"x{number % 7}=$(seq 1 50 | tr '\\n' ' '); echo mark {number}\n".encode()
            )
            agent.stdin.flush()
            assert agent.stdout.readline() == f"mark {number}\n".encode()
            if number in (50, 299):
                samples.append(process.memory_info().rss)
        agent.stdin.close()
        assert agent.wait(timeout=60) == 0
    finally:
        if agent.poll() is None:
            agent.kill()
    growth = samples[1] - samples[0]
    assert growth < 4 << 20, f"the session grew by {growth / 2**20:.1f} MiB over 250 commands"


def test_a_session_ended_by_a_signal_removes_its_tmp(ws: Workspace) -> None:
    """SIGTERM while a command runs goes to the command, then ends the session through its
    cleanup, as it would end a shell."""
    scratch = ws.root / "scratch"
    scratch.mkdir()
    agent = subprocess.Popen(
        [AGENTSH],
        cwd=ws.project,
        env={**ws.env, "TMPDIR": str(scratch)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert agent.stdin is not None and agent.stdout is not None
    agent.stdin.write(b"echo kept > /tmp/note; echo ready; sleep 60\n")
    agent.stdin.flush()
    assert agent.stdout.readline() == b"ready\n"
    assert any(scratch.iterdir())
    agent.terminate()
    assert agent.wait(timeout=30) == 128 + 15
    assert list(scratch.iterdir()) == []
