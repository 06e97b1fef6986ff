"""Real processes the approval tests drive: a tmux terminal and the approval console."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AGENTSH, AGENTSHCTL, Workspace

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll until `condition` holds; the timeout only bounds a hung test, it is not asserted on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class Tmux:
    """A tmux server of its own, with one window running a shell line."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.socket = str(folder / "tmux.sock")
        self.env = env

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=False,
            env={**self.env, "TERM": "xterm-256color"},
        )

    def start(self, line: str, cwd: Path) -> None:
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        command = f"cd {shlex.quote(str(cwd))} && env -i {assignments} TERM=tmux-256color bash -c {shlex.quote(line)}; sleep 600"
        started = self.tmux("new-session", "-d", "-x", "120", "-y", "50", command)
        assert started.returncode == 0, started.stderr

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-200").stdout

    def keys(self, *keys: str) -> None:
        assert self.tmux("send-keys", *keys).returncode == 0

    def wait_for_text(self, text: str, timeout: float = 30) -> str:
        wait_for(lambda: text in self.screen(), f"{text!r} on the terminal", timeout)
        return self.screen()

    def stop(self) -> None:
        self.tmux("kill-server")


class ApprovalConsole:
    """`agentshctl approvals` with its input and output on pipes, as a script would run it."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.process = subprocess.Popen(
            [AGENTSHCTL, "approvals", "--no-notify"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
        )
        assert self.process.stdout is not None
        os.set_blocking(self.process.stdout.fileno(), False)
        self.output = ""
        self.wait_for("listening on")

    def read(self) -> str:
        assert self.process.stdout is not None
        try:
            chunk = self.process.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            self.output += chunk.decode("utf-8", "replace")
        return self.output

    def wait_for(self, text: str, count: int = 1) -> None:
        wait_for(lambda: self.read().count(text) >= count, f"{text!r} in the console")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def request_number(self, command: str) -> int:
        """The number the console gave the request for `command`."""
        self.wait_for(f"$ {command}")
        lines = self.read().splitlines()
        for index, line in enumerate(lines):
            if line.strip() == f"$ {command}":
                header = lines[index - 1]
                return int(header.split("]")[0].lstrip("["))
        raise AssertionError(f"no request for {command!r} in:\n{self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def start_agent(
    ws: Workspace, *arguments: str, stdin: int = subprocess.DEVNULL
) -> subprocess.Popen[str]:
    """agentsh as an agent's tool runs it: pipes, no controlling terminal."""
    return subprocess.Popen(
        [AGENTSH, *arguments],
        cwd=ws.project,
        env=ws.env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
