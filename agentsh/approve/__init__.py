"""Ask a human about a command the policy wants confirmed, through the profile's channels.

Channels are tried in the profile's order (default: the inline prompt on the
terminal, then the approval console). When none can reach a human the answer
is `unavailable`, which denies; so does anything that goes wrong on the way.
"""

from __future__ import annotations

from agentsh.approve.request import UNAVAILABLE, Answer, Request


def obtain(
    request: Request,
    channels: tuple[str, ...],
    timeout: float,
    runtime_dir: str,
    interactive: bool,
    term: str | None,
) -> Answer:
    tried: list[str] = []
    for name in channels:
        if name == "tty":
            from agentsh.approve import tty

            fd, why = tty.open_terminal(interactive)
            if fd is None:
                tried.append(f"tty: {why}")
                continue
            try:
                answer = tty.ask(fd, request, timeout, term)
            except Exception as exc:  # a broken prompt denies, then the next channel may ask
                tried.append(f"tty: the prompt failed ({type(exc).__name__}: {exc})")
                continue
            finally:
                import os

                os.close(fd)
            return Answer("tty", answer, tuple(tried))
        if name == "console":
            from agentsh.approve import console

            answer_or_none = console.ask(runtime_dir, request, timeout)
            if answer_or_none is None:
                tried.append("console: no `agentshctl approvals` is running")
                continue
            return Answer("console", answer_or_none, tuple(tried))
    return Answer("none", UNAVAILABLE, tuple(tried))


__all__ = ["Answer", "Request", "obtain"]
