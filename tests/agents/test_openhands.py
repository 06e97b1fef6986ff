"""OpenHands' persistent bash, replicated exactly, with agentsh as the pane's shell.

Sources (https://github.com/All-Hands-AI/OpenHands):
- openhands/runtime/utils/bash.py `BashSession.initialize`: a libtmux session
  (`new_session(..., start_directory=work_dir, x=1000, y=1000)`, history-limit 10000) whose
  window runs `/bin/bash`; then `pane.send_keys('set +H; export PROMPT_COMMAND=\\'export
  PS1="{PS1}"\\'; export PS2=""')`, then `_clear_screen()` (`send_keys('C-l', enter=False)`,
  `clear-history`). Each command: `pane.send_keys(command)` (Enter), then poll
  `capture-pane -J -pS -` until the pane ends with `###PS1END###`; the JSON between the
  last markers gives exit_code and working_dir, the text before it is the output.
- openhands/events/observation/commands.py `CmdOutputMetadata.to_ps1_prompt`:
  "\\n###PS1JSON###\\n" + json.dumps({pid: "$!", exit_code: "$?", username: "\\u", hostname:
  "\\h", working_dir: "$(pwd)", py_interpreter_path: '$(which python 2>/dev/null || echo
  "")'}, indent=2) with `"` -> `\\"`, + "\\n###PS1END###" + "\\n"; parsed with
  CMD_OUTPUT_METADATA_PS1_REGEX = ^###PS1JSON###(.*?)###PS1END### (DOTALL|MULTILINE).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.agents.helpers import agent_env
from tests.conftest import AGENTSH, SECRET, Workspace
from tests.sandbox.terminals import Tmux, wait_for

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PS1_BEGIN = "\n###PS1JSON###\n"
PS1_END = "\n###PS1END###"
PS1_REGEX = re.compile(f"^{PS1_BEGIN.strip()}(.*?){PS1_END.strip()}", re.DOTALL | re.MULTILINE)


def to_ps1_prompt() -> str:
    json_str = json.dumps(
        {
            "pid": "$!",
            "exit_code": "$?",
            "username": r"\u",
            "hostname": r"\h",
            "working_dir": r"$(pwd)",
            "py_interpreter_path": r'$(which python 2>/dev/null || echo "")',
        },
        indent=2,
    )
    return PS1_BEGIN + json_str.replace('"', r"\"") + PS1_END + "\n"


SETUP = f'set +H; export PROMPT_COMMAND=\'export PS1="{to_ps1_prompt()}"\'; export PS2=""'


class OpenHandsPane(Tmux):
    def open(self, cwd: str) -> None:
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        command = f"env -i {assignments} TERM=tmux-256color {shlex.quote(AGENTSH)}; sleep 600"
        made = self.tmux("new-session", "-d", "-x", "1000", "-y", "1000", "-c", cwd, command)
        assert made.returncode == 0, made.stderr
        self.tmux("set-option", "-g", "history-limit", "10000")

    def content(self) -> str:
        """`_get_pane_content`: capture-pane -J -pS -, each line right-stripped."""
        lines = self.tmux("capture-pane", "-J", "-p", "-S", "-").stdout.split("\n")
        return "\n".join(line.rstrip() for line in lines)

    def clear(self) -> None:
        self.keys("C-l")
        self.tmux("clear-history")

    def metadata(self) -> list[dict[str, Any]]:
        found = []
        for match in PS1_REGEX.finditer(self.content()):
            try:
                found.append(json.loads(match.group(1).strip()))
            except json.JSONDecodeError:
                continue
        return found

    def run(self, command: str) -> tuple[str, dict[str, Any]]:
        """`execute`: send, wait until the pane ends with the marker after a new prompt."""
        self.clear()
        wait_for(lambda: len(self.metadata()) >= 1, "the prompt after clearing")
        before = len(self.metadata())
        self.keys(command, "Enter")
        wait_for(
            lambda: (
                len(self.metadata()) > before and self.content().rstrip().endswith(PS1_END.strip())
            ),
            f"the prompt after {command!r}",
        )
        content = self.content()
        matches = list(PS1_REGEX.finditer(content))
        output = content[matches[-2].end() : matches[-1].start()]
        return output.strip("\n"), json.loads(matches[-1].group(1).strip())


@pytest.fixture
def pane(ws: Workspace) -> Iterator[OpenHandsPane]:
    terminal = OpenHandsPane(ws.root, agent_env(ws))
    terminal.open(str(ws.project))
    yield terminal
    terminal.stop()


def test_ps1_json_after_each_command(ws: Workspace, pane: OpenHandsPane) -> None:
    """bash.py initialize + execute: after each command the pane ends with the PS1 JSON,
    whose exit_code and working_dir OpenHands reports (CmdOutputMetadata.from_ps1_match)."""
    wait_for(lambda: bool(pane.content().strip()), "agentsh's first prompt")
    pane.keys(SETUP, "Enter")
    wait_for(lambda: len(pane.metadata()) >= 1, "the PS1 JSON prompt")

    output, meta = pane.run("cd sub")
    assert int(meta["exit_code"]) == 0
    assert meta["working_dir"] == f"{ws.project}/sub"

    output, meta = pane.run("export X=1; false")
    assert int(meta["exit_code"]) == 1

    output, meta = pane.run('echo "x=$X"')
    assert int(meta["exit_code"]) == 0
    assert output.splitlines()[-1] == "x=1"
    assert meta["working_dir"] == f"{ws.project}/sub"

    output, meta = pane.run("cat ../.env")
    assert "hidden by agentsh" in output
    assert SECRET not in output
