"""A persistent shell on pipes: `agentsh` with no command and stdin a pipe (issue 7).

An agent's persistent-terminal tool (and anything that runs `bash` and writes commands to
its stdin, e.g. OpenHands' Windows runtime, `subprocess.Popen(["bash"], stdin=PIPE)` in
SWE-agent-style harnesses) writes one command per line and reads the output as each
command runs. bash reads such a script a line at a time and keeps its state between
lines; agentsh must do the same while judging and sandboxing every line on its own.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.agents.helpers import agent_env
from tests.conftest import AGENTSH, SECRET, Workspace


class PipeShell:
    """`agentsh` on three pipes, fed a line at a time, its output read as it comes."""

    def __init__(self, ws: Workspace):
        self.process = subprocess.Popen(
            [AGENTSH],
            cwd=ws.project,
            env=agent_env(ws),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.out = b""
        self.err = b""

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def _pump(self, wait: float) -> bool:
        assert self.process.stdout is not None and self.process.stderr is not None
        streams = [self.process.stdout, self.process.stderr]
        ready, _, _ = select.select(streams, [], [], wait)
        got = False
        for stream in ready:
            chunk = os.read(stream.fileno(), 65536)
            got = got or bool(chunk)
            if stream is self.process.stdout:
                self.out += chunk
            else:
                self.err += chunk
        return got

    def wait_for(self, text: str, stream: str = "out", timeout: float = 60) -> None:
        """Until `text` shows on the stream; the timeout only bounds a hung test."""
        deadline = time.monotonic() + timeout
        while text.encode() not in (self.out if stream == "out" else self.err):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"gave up waiting for {text!r} on std{stream}; stdout={self.out!r} stderr={self.err!r}"
                )
            self._pump(0.2)

    def finish(self, timeout: float = 60) -> int:
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        deadline = time.monotonic() + timeout
        while self.process.poll() is None or self._pump(0):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"agentsh did not end; stdout={self.out!r} stderr={self.err!r}"
                )
            self._pump(0.2)
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def shell(ws: Workspace) -> Iterator[PipeShell]:
    running = PipeShell(ws)
    yield running
    running.stop()


def test_state_carries_from_line_to_line(ws: Workspace, shell: PipeShell) -> None:
    """cd, export, a plain variable, an alias and a function made on one line are there on
    the next; each command's output arrives before the next line is written."""
    for line in (
        "cd sub",
        "export X=1",
        "y=2",
        "alias hi='echo alias-works'",
        'greet() { echo "hello $1"; }',
    ):
        shell.send(line)
    shell.send("pwd")
    shell.wait_for(f"{ws.project}/sub\n")  # seen before the next line is even written
    shell.send('echo "x=$X y=$y"')
    shell.wait_for("x=1 y=2\n")
    shell.send("hi")
    shell.wait_for("alias-works\n")
    shell.send("greet you")
    shell.wait_for("hello you\n")
    shell.send("""bash -c 'echo "child sees X=$X y=${y-unset}"'""")
    shell.wait_for("child sees X=1 y=unset\n")
    shell.send("exit 5")
    assert shell.finish() == 5
    assert shell.out.decode() == (
        f"{ws.project}/sub\nx=1 y=2\nalias-works\nhello you\nchild sees X=1 y=unset\n"
    )


def test_each_line_is_sandboxed_and_judged(ws: Workspace, shell: PipeShell) -> None:
    """Each line runs in the sandbox (.env is the notice) and is judged (a blocked line
    exits 126 with one `agentsh: blocked:` line) without ending the session."""
    shell.send("cat .env")
    shell.wait_for("hidden by agentsh")
    shell.send("rm -rf ~")
    shell.wait_for("agentsh: blocked:", stream="err")
    shell.send("echo still-here $?")
    shell.wait_for("still-here 126\n")
    assert shell.finish() == 0
    assert SECRET not in shell.out.decode()
    assert (ws.home / "notes.txt").exists()


def test_status_of_the_last_line_at_end_of_input(ws: Workspace, shell: PipeShell) -> None:
    """Like `bash < script`: at EOF the status is the last command's."""
    shell.send("true")
    shell.send("sh -c 'exit 7'")
    assert shell.finish() == 7
