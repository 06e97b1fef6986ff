"""`agentsh` without a command: a session that runs one sandboxed, judged line at a time.

On a terminal it is a prompt-toolkit REPL (history kept outside the sandbox,
completion of commands and paths, PS1/PROMPT_COMMAND honoured, and VS Code's
OSC 633 shell-integration marks when running in its terminal). Without a
terminal it reads stdin the way bash reads a script there: byte by byte, so
a command can read the lines that follow it, one complete command at a time.
Either way the state bash keeps (cwd, variables, functions, aliases,
options) is carried from line to line by agentsh.shell.session.
"""

from __future__ import annotations

import os
import sys

from agentsh.shell import syntax
from agentsh.shell.session import ShellSession

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from prompt_toolkit.completion import CompleteEvent, Completion
    from prompt_toolkit.document import Document

    from agentsh.shell.args import Invocation

    RunLine = Callable[[ShellSession, str], int]

SET_LETTERS = frozenset("abefhkmnptuvxBCEHPT")
"""Invocation options that are `set` options, and so become the session's initial state."""
OSC = "\x1b]633;"
BEL = "\x07"


def start(invocation: Invocation, environ: Mapping[str, str], run_line: RunLine) -> int:
    from agentsh import supervisor

    space = supervisor.workspace(environ)
    _end_on_hangup()
    tmp_dir = supervisor.private_tmp(environ)
    arguments = invocation.operands if invocation.mode == "stdin" else ()
    session = ShellSession(space.cwd, space.project_root, tmp_dir, tuple(arguments))
    session.restore += initial_options(invocation)
    try:
        status = 0
        if invocation.rcfile:
            import shlex

            status = run_line(session, f"source {shlex.quote(invocation.rcfile)}")
            if session.exited:
                return status
        if os.isatty(0) and os.isatty(1):
            return Terminal(session, environ, space.dirs.state, run_line).loop()
        return from_stdin(session, run_line)
    finally:
        supervisor.remove_tree(tmp_dir)


def _end_on_hangup() -> None:
    """A closed terminal or a SIGTERM between commands ends the session through its
    cleanup (the session's /tmp is removed), not by dying where it stands."""
    import signal

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, leave)


def initial_options(invocation: Invocation) -> str:
    """`agentsh -e`, `-o pipefail`, `+h` and the like, as `set` commands for the first line."""
    import shlex

    words: list[str] = []
    options = list(invocation.short_options)
    index = 0
    while index < len(options):
        option = options[index]
        sign, letters = option[0], option[1:]
        kept = "".join(letter for letter in letters if letter in SET_LETTERS)
        if kept:
            words.append(sign + kept)
        if "o" in letters and index + 1 < len(options):
            words += [f"{sign}o", options[index + 1]]
            index += 1
        index += 1
    return f"builtin set {shlex.join(words)}\n" if words else ""


def from_stdin(session: ShellSession, run_line: RunLine) -> int:
    """Run commands read from stdin; like bash, a syntax error ends the script (status 2)."""
    status = 0
    pending = ""
    while True:
        line = _read_line(0)
        if line is not None:
            pending += line
            parsed = syntax.check(pending)
            if not parsed.complete:
                continue
            if parsed.error:
                _say(parsed.error)
                return 2
        if pending.strip():
            _return_to_existing_directory(session)
            status = run_line(session, pending.rstrip("\n"))
            if session.exited:
                return status
        pending = ""
        if line is None:
            return status


def _read_line(fd: int) -> str | None:
    """One line, read a byte at a time so that what follows stays for the command."""
    data = bytearray()
    while True:
        try:
            byte = os.read(fd, 1)
        except InterruptedError:
            continue
        if not byte:
            return data.decode("utf-8", "surrogateescape") if data else None
        data += byte
        if byte == b"\n":
            return data.decode("utf-8", "surrogateescape")


def _return_to_existing_directory(session: ShellSession) -> None:
    if not os.path.isdir(session.host_cwd()):
        _say(f"{session.cwd} no longer exists; continuing in {session.project_root}")
        session.cwd = session.project_root


def _say(message: str) -> None:
    text = message if message.startswith("agentsh:") else f"agentsh: {message}"
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class Terminal:
    """The interactive loop on a terminal."""

    def __init__(
        self, session: ShellSession, environ: Mapping[str, str], state_dir: str, run: RunLine
    ):
        self.session = session
        self.run_line = run
        self.state_dir = state_dir
        self.home = environ.get("HOME", "")
        self.integration = environ.get("TERM_PROGRAM") == "vscode" or bool(
            environ.get("AGENTSH_SHELL_INTEGRATION")
        )
        self.nonce = environ.get("VSCODE_NONCE", "")

    def loop(self) -> int:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        from agentsh import paths

        paths.ensure_private_dir(self.state_dir)
        prompt: PromptSession[str] = PromptSession(
            history=FileHistory(os.path.join(self.state_dir, "history")),
            completer=ShellCompleter(self.session),
            complete_while_typing=False,
        )
        self._mark(f"P;Cwd={self.session.cwd}")
        while True:
            try:
                text = self._read_command(prompt)
            except KeyboardInterrupt:
                continue
            except EOFError:
                sys.stdout.write("exit\n")
                return self.session.status
            if text is None or not text.strip():
                continue
            self._mark(f"E;{_escape_command(text)};{self.nonce}" if self.nonce else None)
            self._mark("C")
            _return_to_existing_directory(self.session)
            status = self.run_line(self.session, text)
            self.session.status = status
            self._mark(f"D;{status}")
            self._mark(f"P;Cwd={self.session.cwd}")
            if self.session.exited:
                return status

    def _read_command(self, prompt: object) -> str | None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.formatted_text import ANSI

        assert isinstance(prompt, PromptSession)
        message = self._prompt()
        text = ""
        while True:
            text += str(prompt.prompt(ANSI(message))) + "\n"
            parsed = syntax.check(text)
            if parsed.complete:
                break
            message = self.session.continuation or "> "
        if parsed.error:
            _say(parsed.error)
            self.session.status = 2
            return None
        return text.rstrip("\n")

    def _prompt(self) -> str:
        if self.session.prompt is not None:
            text = self.session.prompt
        else:
            cwd = self.session.cwd
            if self.home and (cwd == self.home or cwd.startswith(self.home.rstrip("/") + "/")):
                cwd = "~" + cwd[len(self.home.rstrip("/")) :]
            text = f"\x1b[1magentsh\x1b[0m:{cwd}$ "
        if self.integration:
            # prompt-toolkit draws a zero-width escape together with the character after
            # it, and drops it before trailing blanks, so B goes before the last visible one.
            body = text.rstrip()
            head, tail = body[:-1], body[-1:] + text[len(body) :]
            text = f"\001{OSC}A{BEL}\002{head}\001{OSC}B{BEL}\002{tail}"
        return text

    def _mark(self, body: str | None) -> None:
        """One OSC 633 mark; control characters (a directory name could hold ESC or
        BEL) are written as \\xNN, so nothing from the sandbox ends the sequence."""
        if self.integration and body is not None:
            safe = "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or c == "\x7f" else c for c in body)
            sys.stdout.write(f"{OSC}{safe}{BEL}")
            sys.stdout.flush()


def _escape_command(text: str) -> str:
    """OSC 633 ; E escaping: backslash, semicolon and control characters as \\xNN."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == ";" or ord(char) < 0x20:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def _completer_base() -> type:
    from prompt_toolkit.completion import Completer

    return Completer


class ShellCompleter(_completer_base()):  # type: ignore[misc]
    """Commands (PATH, builtins, the session's functions and aliases) in command
    position, paths relative to the session's directory elsewhere."""

    BUILTINS = frozenset(
        {"alias", "cd", "echo", "exit", "export", "pwd", "read", "set", "shopt", "source"}
        | {"test", "type", "ulimit", "umask", "unalias", "unset"}
    )

    def __init__(self, session: ShellSession):
        self.session = session

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        from prompt_toolkit.completion import Completion

        before = document.text_before_cursor
        word = before.split()[-1] if before and not before[-1].isspace() else ""
        command_position = not before[: len(before) - len(word)].strip(" \t")
        if command_position and "/" not in word:
            for name in sorted(self._commands()):
                if name.startswith(word):
                    yield Completion(name, start_position=-len(word))
            return
        yield from self._paths(word)

    def _commands(self) -> set[str]:
        names = set(self.BUILTINS) | set(self.session.functions) | set(self.session.aliases)
        for folder in os.environ.get("PATH", "").split(":"):
            try:
                names.update(entry.name for entry in os.scandir(folder or "."))
            except OSError:
                continue
        return names

    def _paths(self, word: str) -> Iterable[Completion]:
        from prompt_toolkit.completion import Completion

        expanded = os.path.expanduser(word)
        folder, stem = os.path.split(expanded)
        base = (
            os.path.join(self.session.host_cwd(), folder) if not os.path.isabs(folder) else folder
        )
        try:
            entries = sorted(os.scandir(base or "."), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(stem) and (stem.startswith(".") or entry.name[0] != "."):
                suffix = "/" if entry.is_dir() else ""
                yield Completion(
                    entry.name[len(stem) :] + suffix, start_position=0, display=entry.name + suffix
                )
