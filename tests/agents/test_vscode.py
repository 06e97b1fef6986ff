"""VS Code's terminal shell integration (Copilot agent mode, Cline, Roo Code read it).

Source: https://github.com/microsoft/vscode/blob/main/src/vs/workbench/contrib/terminal/common/scripts/shellIntegration-bash.sh
Around each command the integrated bash emits (BEL-terminated OSC 633):
`A` prompt start and `B` prompt end (wrapped around PS1), `E;<escaped command>;<nonce>`
and `C` before the command runs (preexec), then `D;<exit code>` and `P;Cwd=<cwd>` when it
ends (precmd). The nonce comes from VSCODE_NONCE. Agents in VS Code send the command
text to the terminal and wait for `D` to learn it finished and its exit code, and read
`P;Cwd` for the directory. agentsh, run in a VS Code terminal (TERM_PROGRAM=vscode) with
no command, is an interactive shell and must emit the same sequences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.agents.helpers import Terminal, agent_env
from tests.conftest import AGENTSH, Workspace

NONCE = "6b1f0e1c-2a4d-4c55-9d3e-0f1a2b3c4d5e"
END = rb"(?:\x07|\x1b\\)"


def osc(body: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"\x1b\]633;" + body + END)


@pytest.fixture
def terminal(ws: Workspace) -> Iterator[Terminal]:
    env = agent_env(
        ws,
        TERM="xterm-256color",
        TERM_PROGRAM="vscode",
        TERM_PROGRAM_VERSION="1.96.0",
        VSCODE_NONCE=NONCE,
        COLORTERM="truecolor",
    )
    running = Terminal([AGENTSH], env, ws.project, rows=30, cols=120)
    yield running
    running.close()


def test_osc_633_around_each_command(ws: Workspace, terminal: Terminal) -> None:
    """shellIntegration-bash.sh: A, B around the prompt; E;<command>;<nonce> and C before the
    command; D;<status> and P;Cwd=<dir> after it, in that order."""
    prompt_start = terminal.expect(osc(b"A"))
    prompt_end = terminal.expect(osc(b"B"), prompt_start.end())

    terminal.write(b"cd sub\r")
    command = terminal.expect(osc(re.escape(f"E;cd sub;{NONCE}".encode())), prompt_end.end())
    started = terminal.expect(osc(b"C"), command.end())
    done = terminal.expect(osc(rb"D;0"), started.end())
    cwd = terminal.expect(osc(re.escape(f"P;Cwd={ws.project}/sub".encode())), done.end())
    prompt = terminal.expect(osc(b"A"), cwd.end())
    prompt_end = terminal.expect(osc(b"B"), prompt.end())

    terminal.write(b"false\r")
    started = terminal.expect(osc(b"C"), prompt_end.end())
    done = terminal.expect(osc(rb"D;1"), started.end())
    terminal.expect(osc(re.escape(f"P;Cwd={ws.project}/sub".encode())), done.end())


def test_command_line_with_semicolons_is_escaped(ws: Workspace, terminal: Terminal) -> None:
    """`E` escapes `;` as \\x3b and `\\` as \\\\ (`__vsc_escape_value`)."""
    prompt_end = terminal.expect(osc(b"A"))
    terminal.write(b"echo a; echo b\r")
    terminal.expect(osc(re.escape(f"E;echo a\\x3b echo b;{NONCE}".encode())), prompt_end.end())
    terminal.expect(osc(rb"D;0"), prompt_end.end())


def test_exit_ends_the_terminal_with_its_status(ws: Workspace, terminal: Terminal) -> None:
    """`exit 3` ends the shell, and the terminal's process exits 3, as bash does."""
    terminal.expect(osc(b"A"))
    terminal.write(b"exit 3\r")
    assert terminal.wait() == 3
