"""`agentshctl approvals`: the console where a human answers agentsh's requests.

It listens on the approval socket in the runtime directory, shows each
waiting request (several agents, several at once) and sends back what the
human decides. Closing it, or its crashing, ends every connection, which each
waiting agentsh takes as a denial; a graceful quit also denies explicitly.

On a terminal, input is read with prompt-toolkit while requests are printed
above the prompt; otherwise (a script, a test) one command per line is read
from stdin and plain text is written to stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

from agentsh import paths
from agentsh.approve import console, render
from agentsh.approve.request import Request

HELP = (
    "commands: y N = run request N once · n N = deny it · ? N = details · "
    "l = list pending · q = quit (denies everything pending). "
    "With one request pending, n and ? need no number; y always does."
)


@dataclass
class Waiting:
    number: int
    request: Request
    writer: asyncio.StreamWriter
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class Console:
    def __init__(self, runtime_dir: str, notify: bool, color: bool):
        self.runtime_dir = runtime_dir
        self.path = console.socket_path(runtime_dir)
        self.notify = notify
        self.color = color
        self.pending: dict[int, Waiting] = {}
        self.counter = 0
        self.done = asyncio.Event()

    def say(self, text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def show(self, fragments: render.Fragments) -> None:
        text = render.ansi(fragments) if self.color else render.plain(fragments)
        self.say(text.rstrip("\n"))

    async def serve(self) -> asyncio.AbstractServer:
        paths.ensure_private_dir(self.runtime_dir)
        if console.connect(self.runtime_dir) is not None:
            raise RuntimeError(f"another approval console is already listening on {self.path}")
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        server = await asyncio.start_unix_server(
            self._client, path=self.path, limit=console.MAX_MESSAGE
        )
        os.chmod(self.path, 0o600)
        return server

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        try:
            if sock is None or console.peer_uid(sock) != os.getuid():
                writer.close()
                return
            line = await reader.readline()
            if not line:
                writer.close()
                return
            request = Request.from_json(json.loads(line))
        except (ValueError, OSError, asyncio.LimitOverrunError):
            writer.close()
            return
        self.counter += 1
        waiting = Waiting(self.counter, request, writer)
        self.pending[waiting.number] = waiting
        self._announce(waiting)
        gone = asyncio.ensure_future(reader.read(1))
        answered = asyncio.ensure_future(waiting.answered.wait())
        await asyncio.wait({gone, answered}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.answered.is_set():
            answered.cancel()
            self.pending.pop(waiting.number, None)
            self.say(
                f"[{waiting.number}] withdrawn: agentsh stopped waiting (timed out or stopped)"
            )
        else:
            gone.cancel()
        writer.close()

    def _announce(self, waiting: Waiting) -> None:
        self.say("")
        header = f"[{waiting.number}] "
        self.show([("title", header), *render.card(waiting.request)])
        hint = f"  y {waiting.number} runs it once, n {waiting.number} denies, ? {waiting.number} shows details"
        self.say(hint + ("\a" if self.color else ""))
        if self.notify:
            _notify(waiting.request)

    def answer(self, number: int, answer: str) -> None:
        waiting = self.pending.pop(number, None)
        if waiting is None:
            self.say(f"no pending request {number}")
            return
        try:
            waiting.writer.write(json.dumps({"answer": answer}).encode() + b"\n")
        except OSError:
            pass
        waiting.answered.set()
        verb = "approved: it runs once" if answer == "run" else "denied"
        self.say(f"[{number}] {verb}")

    def deny_all(self) -> None:
        for number in list(self.pending):
            self.answer(number, "deny")

    def handle(self, line: str) -> None:
        words = line.split()
        if not words:
            return
        verb, rest = words[0].lower(), words[1:]
        if verb in ("q", "quit", "exit"):
            self.deny_all()
            self.done.set()
            return
        if verb in ("l", "list", "ls"):
            if not self.pending:
                self.say("nothing pending")
            for waiting in self.pending.values():
                self.show([("title", f"[{waiting.number}] "), *render.card(waiting.request)])
            return
        if verb in ("h", "help"):
            self.say(HELP)
            return
        actions = {
            "y": "run",
            "yes": "run",
            "run": "run",
            "n": "deny",
            "no": "deny",
            "deny": "deny",
        }
        if verb not in (*actions, "?", "d", "details", "show"):
            self.say(f"unknown command {verb!r}; {HELP}")
            return
        if verb in actions and actions[verb] == "run" and not rest:
            self.say("say which request to run: y N (approving always names the request)")
            return
        number = self._number(rest)
        if number is None:
            return
        if verb in actions:
            self.answer(number, actions[verb])
        else:
            self.show(
                [
                    ("title", f"[{number}] "),
                    *render.card(self.pending[number].request, details=True),
                ]
            )

    def _number(self, rest: list[str]) -> int | None:
        if rest:
            if rest[0].isdigit() and int(rest[0]) in self.pending:
                return int(rest[0])
            self.say(f"no pending request {rest[0]}")
            return None
        if len(self.pending) == 1:
            return next(iter(self.pending))
        self.say("which request? give its number" if self.pending else "nothing pending")
        return None


def _notify(request: Request) -> None:
    """A desktop notification, where the desktop offers one (notify-send and a session bus)."""
    environ = os.environ
    if not (
        environ.get("DBUS_SESSION_BUS_ADDRESS")
        or environ.get("DISPLAY")
        or environ.get("WAYLAND_DISPLAY")
    ):
        return
    binary = shutil.which("notify-send")
    if binary is None:
        return
    summary = render.plain(render.neutralise(request.command))[:200]
    import subprocess

    try:
        subprocess.Popen(
            [binary, "--app-name=agentsh", "agentsh: approval needed", summary],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        pass


async def _read_terminal(app: Console) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.patch_stdout import patch_stdout

    session: PromptSession[str] = PromptSession()
    with patch_stdout(raw=True):
        while not app.done.is_set():
            try:
                line = await session.prompt_async("approvals> ")
            except (EOFError, KeyboardInterrupt):
                app.handle("q")
                return
            app.handle(line)


async def _read_lines(app: Console) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while not app.done.is_set():
        line = await reader.readline()
        if not line:
            app.handle("q")
            return
        app.handle(line.decode("utf-8", "replace"))


async def _main(runtime_dir: str, notify: bool) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    app = Console(runtime_dir, notify, color=interactive)
    try:
        server = await app.serve()
    except (RuntimeError, OSError) as exc:
        sys.stderr.write(f"agentshctl: {exc}\n")
        return 1
    app.say(f"agentsh approval console: listening on {app.path} since {time.strftime('%H:%M:%S')}")
    app.say(HELP)
    reading = asyncio.ensure_future(_read_terminal(app) if interactive else _read_lines(app))
    try:
        await app.done.wait()
    finally:
        app.deny_all()
        server.close()
        try:
            os.unlink(app.path)
        except OSError:
            pass
        reading.cancel()
        await asyncio.sleep(0)
    return 0


def run(runtime_dir: str, notify: bool) -> int:
    try:
        return asyncio.run(_main(runtime_dir, notify))
    except KeyboardInterrupt:
        return 130
