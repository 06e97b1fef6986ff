"""Is this text a whole command yet? bash's own parser (`bash -n`) answers.

A session reads input line by line and must know when a command is complete
(`if …; then` needs its `fi`, a quote its closing quote, a here-document its
delimiter). `bash -n` parses without running anything, so asking it is both
safe and exactly what bash would do; extglob is on because a carried `shopt -s
extglob` could make `!(x)` valid.
"""

from __future__ import annotations

import os
import subprocess

INCOMPLETE_SIGNS = (
    "unexpected end of file",
    "unexpected EOF while looking for matching",
    "here-document at line",
)


class Parsed:
    __slots__ = ("complete", "error")

    def __init__(self, complete: bool, error: str | None = None):
        self.complete = complete
        self.error = error
        """bash's message for a syntax error that more input cannot fix."""


def check(text: str, bash: str = "/bin/bash") -> Parsed:
    if _continues(text):
        return Parsed(False)
    result = subprocess.run(
        [bash, "--norc", "--noprofile", "-n", "-O", "extglob", "-c", text],
        capture_output=True,
        text=True,
        errors="replace",
        env={"LC_ALL": "C", "PATH": os.defpath},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    message = result.stderr.strip()
    if any(sign in message for sign in INCOMPLETE_SIGNS):
        return Parsed(False)
    if result.returncode != 0:
        return Parsed(True, message.replace("bash: -c: ", "agentsh: ") or "agentsh: syntax error")
    return Parsed(True)


def _continues(text: str) -> bool:
    """A line ending in an unescaped backslash continues on the next one."""
    stripped = text.rstrip("\n")
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    return trailing % 2 == 1
