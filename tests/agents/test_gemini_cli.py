"""Gemini CLI's shell tool, replicated exactly, run through agentsh.

Sources (https://github.com/google-gemini/gemini-cli, packages/core/src):
- tools/shell.ts `ShellToolInvocation.execute`: on non-Windows the command is wrapped as
  `{ <command>; }; __code=$?; pgrep -g 0 ><tmp>/shell_pgrep_<12 hex>.tmp 2>&1; exit $__code;`
  (`;` is not added when the command ends with `&`), where `<tmp>` is `os.tmpdir()`. The cwd
  is the target directory (or `dir_path` resolved against it). Afterwards it reads that
  file: every numeric line other than the shell's own pid is reported to the model as
  "Background PIDs"; a missing file is logged as "missing pgrep output". Then it unlinks it.
- services/shellExecutionService.ts: `ensurePromptvarsDisabled` prefixes
  `shopt -u promptvars nullglob extglob nocaseglob dotglob;`, and the argv is
  `[executable, "-c", guardedCommand]` with `getShellConfiguration()` =
  `{executable: 'bash', argsPrefix: ['-c']}` (utils/shell-utils.ts), `bash` resolved on PATH.
  `childProcessFallback`: `cpSpawn(bash, args, {cwd, stdio: ['ignore', 'pipe', 'pipe'],
  shell: false, detached: true, env: {...process.env, GEMINI_CLI: '1', TERM:
  'xterm-256color', PAGER: 'cat', GIT_PAGER: 'cat'}})`; output is stdout and stderr
  interleaved, ANSI stripped and trimmed. `executeWithPty` (interactive shell enabled):
  `pty.spawn(bash, args, {cwd, name: 'xterm-256color', cols: 80, rows: 30, env})` with the
  same env.
So agentsh is reached through a `bash` symlink placed first on PATH.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agents.helpers import agent_env, bash_path_shim, run_on_terminal
from tests.conftest import Workspace

SHOPT_GUARD = "shopt -u promptvars nullglob extglob nocaseglob dotglob;"
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*(?:\x07|\x1b\\)")


def gemini_wrapper(command: str, pgrep_file: Path) -> str:
    """tools/shell.ts + ensurePromptvarsDisabled: the string after `bash -c`."""
    command = command.strip()
    if not command.endswith("&"):
        command += ";"
    wrapped = f"{{ {command} }}; __code=$?; pgrep -g 0 >{pgrep_file} 2>&1; exit $__code;"
    return f"{SHOPT_GUARD} {wrapped}"


def gemini_env(ws: Workspace) -> dict[str, str]:
    env = agent_env(ws, GEMINI_CLI="1", TERM="xterm-256color", PAGER="cat", GIT_PAGER="cat")
    env["PATH"] = f"{bash_path_shim(ws)}:{env['PATH']}"
    return env


@pytest.fixture
def pgrep_file() -> Iterator[Path]:
    """`path.join(os.tmpdir(), 'shell_pgrep_' + randomBytes(6).hex + '.tmp')`, unlinked after."""
    path = Path("/tmp") / f"shell_pgrep_{secrets.token_hex(6)}.tmp"
    yield path
    path.unlink(missing_ok=True)


def run_child_process(
    ws: Workspace, command: str, pgrep_file: Path, cwd: Path | None = None
) -> tuple[int, str, int]:
    """childProcessFallback: (exit code, the output Gemini shows, the spawned pid)."""
    process = subprocess.Popen(
        ["bash", "-c", gemini_wrapper(command, pgrep_file)],
        cwd=cwd or ws.project,
        env=gemini_env(ws),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # both streams feed one buffer, in arrival order
        start_new_session=True,  # detached: true
    )
    out, _ = process.communicate(timeout=120)
    return process.returncode, ANSI.sub("", out.decode()).strip(), process.pid


def background_pids(pgrep_file: Path, shell_pid: int) -> list[int]:
    """tools/shell.ts: the numeric lines of the pgrep file other than the shell's pid."""
    lines = [line for line in pgrep_file.read_text().split(os.linesep) if line]
    assert all(line.isdigit() for line in lines), lines
    return [int(line) for line in lines if int(line) != shell_pid]


def test_bash_on_path_is_agentsh(ws: Workspace, pgrep_file: Path) -> None:
    """utils/shell-utils.ts getShellConfiguration: `bash`, found on PATH, so the shim wins;
    shellExecutionService.ts passes GEMINI_CLI=1 and PAGER=cat through."""
    status, output, _ = run_child_process(ws, "echo $AGENTSH $GEMINI_CLI $PAGER", pgrep_file)
    assert status == 0, output
    assert output == "1 1 cat"


@pytest.mark.parametrize(
    "command,status,output",
    [
        ("echo hello && ls README.md", 0, "hello\nREADME.md"),
        ("echo to-err >&2; echo to-out", 0, "to-err\nto-out"),
        ("false", 1, ""),
        ("exit 3", 3, ""),
        ("ls no-such-file", 2, "ls: cannot access 'no-such-file': No such file or directory"),
        ("echo *.md", 0, "README.md"),  # nullglob/dotglob off, as the guard asks
    ],
)
def test_output_and_exit_code(
    ws: Workspace, pgrep_file: Path, command: str, status: int, output: str
) -> None:
    """childProcessFallback: stdout and stderr in one buffer, ANSI-stripped and trimmed
    (`stripAnsi(output).trim()`), and `exitCode` from the `exit` event."""
    got, shown, _ = run_child_process(ws, command, pgrep_file)
    assert (got, shown) == (status, output)


def test_dir_path_sets_the_working_directory(ws: Workspace, pgrep_file: Path) -> None:
    """`dir_path` is resolved against the target dir and becomes the spawn's cwd."""
    sub = ws.project / "packages" / "core"
    sub.mkdir(parents=True)
    status, output, _ = run_child_process(ws, "pwd", pgrep_file, cwd=sub)
    assert (status, output) == (0, str(sub))


def test_on_a_pty(ws: Workspace, pgrep_file: Path) -> None:
    """executeWithPty: node-pty gives bash a terminal of 80x30 with TERM=xterm-256color."""
    status, shown = run_on_terminal(
        ["bash", "-c", gemini_wrapper("echo on-a-pty; [ -t 1 ] && echo tty; exit 4", pgrep_file)],
        gemini_env(ws),
        ws.project,
        rows=30,
        cols=80,
    )
    lines = ANSI.sub("", shown).replace("\r\n", "\n").strip().splitlines()
    assert status == 4, shown
    assert lines[-2:] == ["on-a-pty", "tty"], shown


def test_pgrep_file_lands_where_gemini_reads_it(ws: Workspace, pgrep_file: Path) -> None:
    """agentsh gives each command a private /tmp; the wrapper's `pgrep -g 0 >/tmp/shell_pgrep_
    <hex>.tmp` must still reach the host path Gemini reads, or it logs "missing pgrep output"."""
    status, output, _ = run_child_process(ws, "echo done", pgrep_file)
    assert (status, output) == (0, "done")
    assert pgrep_file.is_file()
    assert all(line.isdigit() for line in pgrep_file.read_text().split())


def test_no_phantom_background_pids(ws: Workspace, pgrep_file: Path) -> None:
    """A command that leaves nothing running: Gemini must derive no background PIDs."""
    status, _, pid = run_child_process(ws, "echo done", pgrep_file)
    assert status == 0
    assert background_pids(pgrep_file, pid) == []
