"""Aider's `/run` and lint/test commands, replicated exactly, run through agentsh.

Source: https://github.com/Aider-AI/aider/blob/main/aider/run_cmd.py
- `run_cmd`: if `sys.stdin.isatty()` (and not Windows) -> `run_cmd_pexpect`, else
  `run_cmd_subprocess`.
- `run_cmd_subprocess`: `shell = os.environ.get("SHELL", "/bin/sh")`;
  `subprocess.Popen(command, stdout=PIPE, stderr=STDOUT, text=True, shell=True,
  executable=shell, encoding=sys.stdout.encoding, errors="replace", bufsize=1,
  universal_newlines=True)`, so the argv is `[shell, "-c", command]` with stdin inherited
  (aider's own, not a terminal on this path); output read line by line, then
  `process.returncode`.
- `run_cmd_pexpect`: `pexpect.spawn(shell, args=["-c", command], encoding="utf-8")` (a pty,
  new session, 24x80), `child.interact(output_filter=...)`, `child.close()`,
  `child.exitstatus`.
Users point aider at agentsh with `SHELL=$(command -v agentsh) aider` (README).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.agents.helpers import agent_env, run_on_terminal
from tests.conftest import AGENTSH, Workspace

COMMANDS = [
    ("echo out; echo err >&2", 0, ["out", "err"]),
    ("python3 -c 'import sys; print(\"lint ok\"); sys.exit(3)'", 3, ["lint ok"]),
    ("ls README.md && exit 4", 4, ["README.md"]),
    ("for i in 1 2 3; do echo line $i; done", 0, ["line 1", "line 2", "line 3"]),
]


@pytest.mark.parametrize("command,status,lines", COMMANDS)
def test_subprocess_path(ws: Workspace, command: str, status: int, lines: list[str]) -> None:
    """run_cmd_subprocess, as aider runs it when its stdin is not a terminal (a pipe here,
    held open by whatever started aider; agentsh must not wait on it)."""
    env = agent_env(ws, SHELL=AGENTSH)
    shell = env.get("SHELL", "/bin/sh")
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        shell=True,
        executable=shell,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        universal_newlines=True,
        cwd=ws.project,
        env=env,
        start_new_session=True,  # keep the test's own terminal out of it
    )
    assert process.stdout is not None
    output = [line for line in process.stdout]
    process.wait(timeout=120)
    assert process.stdin is not None
    process.stdin.close()
    assert process.returncode == status, "".join(output)
    assert sorted(line.rstrip("\n") for line in output) == sorted(lines)


def test_subprocess_path_argv(ws: Workspace) -> None:
    """`shell=True, executable=SHELL` runs `[SHELL, "-c", command]`; bash sets $0 to its
    argv[0], so a script sees the shell it was started as."""
    result = subprocess.run(
        "echo $0; echo $AGENTSH",
        shell=True,
        executable=AGENTSH,
        capture_output=True,
        text=True,
        cwd=ws.project,
        env=agent_env(ws, SHELL=AGENTSH),
        stdin=subprocess.DEVNULL,
        timeout=120,
        start_new_session=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{AGENTSH}\n1\n"


@pytest.mark.parametrize("command,status,lines", COMMANDS)
def test_pexpect_path(ws: Workspace, command: str, status: int, lines: list[str]) -> None:
    """run_cmd_pexpect: `[SHELL, "-c", command]` on a pty of its own; aider shows what the
    terminal showed and takes `exitstatus`."""
    env = agent_env(ws, SHELL=AGENTSH, TERM="xterm-256color")
    got, shown = run_on_terminal([env["SHELL"], "-c", command], env, ws.project, rows=24, cols=80)
    assert got == status, shown
    shown_lines = [line for line in shown.replace("\r\n", "\n").split("\n") if line]
    assert sorted(shown_lines) == sorted(lines), shown


def test_pexpect_path_has_a_terminal(ws: Workspace) -> None:
    """Commands aider runs on a terminal see one (colors, pagers, `[ -t 1 ]`)."""
    env = agent_env(ws, SHELL=AGENTSH, TERM="xterm-256color")
    got, shown = run_on_terminal(
        [AGENTSH, "-c", "[ -t 0 ] && [ -t 1 ] && echo both-tty; stty size"], env, ws.project, 24, 80
    )
    assert got == 0, shown
    assert shown.replace("\r\n", "\n") == "both-tty\n24 80\n"
