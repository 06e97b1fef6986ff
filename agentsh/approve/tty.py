"""The inline prompt, drawn on the controlling terminal (/dev/tty), never on stdin.

The request card is written straight to the terminal as soon as the verdict
is known, so the human sees it at once; prompt-toolkit (a quarter of a second
to import) is loaded only then, for the choice line underneath.

Running the command takes a deliberate move: the selection starts on Deny,
Enter confirms what is selected, and only the arrow keys or Tab move it. A
human typing into the agent's own input box when the prompt appears (whose
Enter or letters land here) therefore denies; typeahead from before the
prompt is discarded. Keys pressed while prompt-toolkit loads are kept
(the terminal is still in cooked mode, so Enter arrives as a newline, which
counts as Enter too).
"""

from __future__ import annotations

import os

from agentsh.approve import render
from agentsh.approve.request import DENY, INTERRUPTED, RUN, TIMEOUT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from agentsh.approve.request import Request

CHOICES = ((DENY, "Deny"), (RUN, "Run it once"), ("details", "Show details"))


def open_terminal(interactive: bool) -> tuple[int | None, str]:
    """The terminal's descriptor when a human can be the one answering there, else why not.

    A human can answer when the agent captured the command's stdin and stdout
    (neither is a terminal) and agentsh still has a controlling terminal, or
    when agentsh itself runs interactively on that terminal.
    """
    stdin_tty, stdout_tty = os.isatty(0), os.isatty(1)
    if not interactive and (stdin_tty or stdout_tty):
        return None, "only one of stdin and stdout is the terminal, so who would answer is unclear"
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None, "no controlling terminal"
    try:
        if not os.isatty(fd):
            reason = "/dev/tty is not a terminal"
        elif os.tcgetpgrp(fd) != os.getpgrp():
            reason = "agentsh is not in the terminal's foreground"
        else:
            return fd, ""
    except OSError as exc:
        reason = f"the terminal cannot be used ({exc.strerror})"
    os.close(fd)
    return None, reason


def first_frame(request: Request, timeout: float) -> str:
    """The card and the choice line, as drawn before prompt-toolkit is loaded."""
    choices = [("choice" if value == DENY else "", f" {label} ") for value, label in CHOICES]
    line: render.Fragments = [("", "  ")]
    for style, text in choices:
        line += [(style, text), ("", " ")]
    line.append(("hint", f"  ←/→ choose, Enter confirms · denied in {int(timeout)} s"))
    return render.ansi([*render.card(request), *line, ("", "\n")])


def ask(fd: int, request: Request, timeout: float, term: str | None) -> str:
    """Show `request` on the terminal `fd`; returns run, deny, timeout or interrupted."""
    import termios

    try:
        termios.tcflush(fd, termios.TCIFLUSH)
    except termios.error:
        pass
    _write(fd, "\r\n" + first_frame(request, timeout).replace("\n", "\r\n"))
    answer = _choose(fd, request, timeout, term)
    verdict = {
        RUN: "\x1b[1;32magentsh: approved, running it once\x1b[0m",
        TIMEOUT: f"\x1b[1;31magentsh: no answer in {int(timeout)} s, denied\x1b[0m",
        INTERRUPTED: "\x1b[1;31magentsh: interrupted, denied\x1b[0m",
    }.get(answer, "\x1b[1;31magentsh: denied\x1b[0m")
    _write(fd, verdict + "\r\n")
    return answer


def _write(fd: int, text: str) -> None:
    view = memoryview(text.encode("utf-8", "replace"))
    while view:
        view = view[os.write(fd, view) :]


def _choose(fd: int, request: Request, timeout: float, term: str | None) -> str:
    import asyncio
    import signal
    import time

    from prompt_toolkit.application import Application
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.input.vt100 import Vt100Input
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.layout import Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl
    from prompt_toolkit.output.vt100 import Vt100_Output
    from prompt_toolkit.styles import Style

    reader = open(fd, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    writer = open(fd, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {"selected": 0, "details": False}

    def fragments() -> FormattedText:
        out: render.Fragments = []
        if state["details"]:
            out += render.card(request, details=True)
        out.append(("", "  "))
        for index, (_, label) in enumerate(CHOICES):
            out += [("class:choice" if index == state["selected"] else "", f" {label} "), ("", " ")]
        left = max(0, int(deadline - time.monotonic() + 0.999))
        out.append(("class:hint", f"  ←/→ choose, Enter confirms · denied in {left} s"))
        return FormattedText(
            [
                (f"class:{style}" if style and not style.startswith("class:") else style, text)
                for style, text in out
            ]
        )

    keys = KeyBindings()

    @keys.add("left")
    @keys.add("up")
    @keys.add("s-tab")
    def _previous(event: KeyPressEvent) -> None:
        state["selected"] = (state["selected"] - 1) % len(CHOICES)

    @keys.add("right")
    @keys.add("down")
    @keys.add("tab")
    def _next(event: KeyPressEvent) -> None:
        state["selected"] = (state["selected"] + 1) % len(CHOICES)

    @keys.add("enter")
    @keys.add("c-j")
    def _confirm(event: KeyPressEvent) -> None:
        value = CHOICES[state["selected"]][0]
        if value == "details":
            state["details"] = not state["details"]
            state["selected"] = 0
        else:
            event.app.exit(result=value)

    @keys.add("?")
    def _details(event: KeyPressEvent) -> None:
        state["details"] = not state["details"]

    for key in ("d", "n", "escape", "c-c", "c-d", "q"):
        keys.add(key)(lambda event: event.app.exit(result=DENY))

    @keys.add("<any>")
    def _ignore(event: KeyPressEvent) -> None:
        pass

    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(fragments), wrap_lines=True)),
        key_bindings=keys,
        style=Style.from_dict(render.PROMPT_TOOLKIT_STYLES),
        input=Vt100Input(reader),
        output=Vt100_Output.from_pty(writer, term=term),
        erase_when_done=True,
        refresh_interval=0.5,
    )

    async def expire() -> None:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        if not app.future or not app.future.done():
            app.exit(result=TIMEOUT)

    def start() -> None:
        app.create_background_task(expire())
        loop = asyncio.get_running_loop()
        try:
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(
                    sig, lambda: app.is_running and app.exit(result=INTERRUPTED)
                )
        except (RuntimeError, ValueError):  # not the main thread: its handlers stay
            pass

    _write(fd, "\x1b[1A\r\x1b[J")
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return app.run(pre_run=start, handle_sigint=False, in_thread=False) or DENY
    finally:
        for sig, handler in saved.items():
            try:
                signal.signal(sig, handler)
            except ValueError:
                pass
        reader.close()
        writer.close()
