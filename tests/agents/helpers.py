"""What the agent tests share: the agent's environment, shims, and a terminal driver.

Each agent test replicates one agent's exact invocation of its shell (argv,
environment, stdio, working directory) and checks what that agent reads
afterwards. agentsh is always the real console script, run through real bwrap.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import AGENTSH, Workspace

CPR_REQUEST = b"\x1b[6n"
"""A cursor position request (prompt-toolkit asks it); a real terminal answers it."""


def agent_env(ws: Workspace, **extra: str) -> dict[str, str]:
    """The environment an agent process passes on: the user's (the workspace's), with
    TMPDIR unset so that Node's os.tmpdir() and Python's tempfile both mean /tmp."""
    env = {key: value for key, value in ws.env.items() if key != "TMPDIR"}
    env.update(extra)
    return env


def run_piped(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """How the agents without a terminal start a shell: its own session, stdin closed,
    stdout and stderr on pipes they read to the end."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        check=False,
    )


def link_agentsh(folder: Path, name: str) -> Path:
    """A symlink named `name` to the agentsh console script (a PATH shim, or a
    name Claude Code accepts as a shell)."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / name
    if not link.exists():
        link.symlink_to(AGENTSH)
    return link


def bash_path_shim(ws: Workspace) -> Path:
    """The directory holding `bash` -> agentsh that an agent's launcher puts first on its
    PATH: agentsh's own shim directory (agentsh.paths.shim_dir), which the sandbox takes
    out of PATH again so that a nested `bash` is the real one."""
    from agentsh.paths import shim_dir

    folder = Path(shim_dir(ws.env))
    link_agentsh(folder, "bash")
    return folder


class Terminal:
    """A process on a pseudo-terminal of its own, as pexpect, node-pty and editors start it.

    `pty.fork()` is what pexpect's ptyprocess uses: the child gets a new session
    whose controlling terminal is the pty's slave. The parent reads raw bytes
    (escape sequences included) and answers cursor position requests as a real
    terminal would.
    """

    def __init__(
        self,
        argv: list[str],
        env: Mapping[str, str],
        cwd: Path,
        rows: int = 24,
        cols: int = 80,
    ):
        import pty

        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.chdir(cwd)
                os.execvpe(argv[0], argv, dict(env))
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.output = b""
        self.status: int | None = None
        self._eof = False

    def _read_some(self, wait: float) -> bool:
        """Read what is there (waiting up to `wait` seconds); False at end of output."""
        if self._eof:
            return False
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            chunk = b""
        if not chunk:
            self._eof = True
            return False
        for _ in range(chunk.count(CPR_REQUEST)):
            self.write(b"\x1b[1;1R")
        self.output += chunk
        return True

    def read_until(
        self, condition: Callable[[bytes], bool], what: str, timeout: float = 30
    ) -> bytes:
        """Read until `condition(output)` holds; the timeout only bounds a hung test."""
        deadline = time.monotonic() + timeout
        while not condition(self.output):
            if time.monotonic() > deadline or not self._read_some(0.2):
                if condition(self.output):
                    break
                raise AssertionError(
                    f"gave up waiting for {what}; the terminal showed:\n{self.text()!r}"
                )
        return self.output

    def expect(
        self, pattern: bytes | re.Pattern[bytes], start: int = 0, timeout: float = 30
    ) -> re.Match[bytes]:
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        self.read_until(
            lambda out: regex.search(out, start) is not None, repr(regex.pattern), timeout
        )
        match = regex.search(self.output, start)
        assert match is not None
        return match

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def wait(self, timeout: float = 120) -> int:
        """Read everything until the program ends; its exit status."""
        deadline = time.monotonic() + timeout
        while self._read_some(0.2):
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not end; it showed:\n{self.text()!r}")
        if self.status is None:
            _, raw = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(raw)
        return self.status

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def close(self) -> None:
        if self.status is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, raw = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(raw)
        os.close(self.fd)


def run_on_terminal(
    argv: list[str], env: Mapping[str, str], cwd: Path, rows: int = 24, cols: int = 80
) -> tuple[int, str]:
    """Run a program on a terminal of its own to the end: (exit status, what it showed)."""
    terminal = Terminal(argv, env, cwd, rows, cols)
    try:
        status = terminal.wait()
    finally:
        terminal.close()
    return status, terminal.text()
