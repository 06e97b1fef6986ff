"""The profile's schema: every key a profile may set, its type, its default and its checks.

Validation is strict on purpose: a misspelt key that is silently ignored would
leave a user believing a secret is hidden when it is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

Check = Callable[[object], str | None]
"""Returns a problem description, or None when the value is fine."""


@dataclass(frozen=True)
class Scalar:
    kind: type
    default: object = None
    choices: tuple[str, ...] = ()
    check: Check | None = None
    user_only: bool = False
    """Only built-in and user profiles may set it (the project's file is writable by the agent)."""


@dataclass(frozen=True)
class ListOf:
    item: Scalar | Section


@dataclass(frozen=True)
class MapOf:
    value: Scalar
    key_check: Check | None = None


@dataclass(frozen=True)
class Value:
    """Any YAML value (lists, nesting), checked by a function; a later layer replaces it."""

    check: Check
    default: object = None


@dataclass(frozen=True)
class Section:
    fields: dict[str, Field] = field(default_factory=dict)
    required: tuple[str, ...] = ()


Field = Scalar | ListOf | MapOf | Section | Value


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_GLOB = re.compile(r"[A-Za-z_*][A-Za-z0-9_*]*")


def _pattern(value: object) -> str | None:
    text = str(value)
    if not text.strip():
        return "an empty pattern matches nothing"
    if "\0" in text or "\n" in text:
        return "a pattern cannot contain NUL or newline characters"
    if text.startswith("/"):
        return "project patterns are relative to the project; put absolute paths in secrets.paths"
    if text.count("[") != text.count("]"):
        return f"unbalanced [ ] in pattern {text!r}"
    for part in text.rstrip("/").split("/"):
        if "**" in part and part != "**":
            return f"'**' must be a whole path component in {text!r}"
    return None


def _host_path(value: object) -> str | None:
    text = str(value)
    if not (text.startswith("/") or text == "~" or text.startswith("~/")):
        return f"{text!r} must be an absolute path or start with ~/"
    if "\0" in text or "\n" in text:
        return "a path cannot contain NUL or newline characters"
    return None


def _relative_path(value: object) -> str | None:
    text = str(value)
    parts = text.split("/")
    if not text or text.startswith("/") or ".." in parts or "\0" in text:
        return f"{text!r} must be a path relative to the project root, without '..'"
    return None


def _env_name_glob(value: object) -> str | None:
    if not _ENV_GLOB.fullmatch(str(value)):
        return f"{value!r} is not an environment variable name (letters, digits, _ and * globs)"
    return None


def _env_name(value: object) -> str | None:
    if not _ENV_NAME.fullmatch(str(value)):
        return f"{value!r} is not an environment variable name"
    return None


def _bwrap(value: object) -> str | None:
    text = str(value)
    if text in ("auto", "system", "bundled") or text.startswith("/"):
        return None
    return "must be auto, system, bundled or an absolute path to a bwrap binary"


def _command_shape(value: object) -> str | None:
    """A rule's `match`: an argv prefix, each position a word or a list of alternatives."""
    if not isinstance(value, list) or not value:
        return "expected a non-empty list like [railway, [status, logs]]"
    for position in value:
        words = position if isinstance(position, list) else [position]
        if not words or not all(isinstance(w, str) and w for w in words):
            return "each position is a word or a list of words (globs allowed)"
    return None


def _name(value: object) -> str | None:
    text = str(value)
    if not text or "/" in text or text in (".", ".."):
        return f"{text!r} must be a single directory name"
    return None


def _host_entry(value: object) -> str | None:
    from agentsh.net.rules import check_entry

    return check_entry(value)


def _address(value: object) -> str | None:
    from agentsh.net.rules import parse_address

    return None if parse_address(str(value)) else f"{value!r} is not an IP address"


def _host_name(value: object) -> str | None:
    from agentsh.net.rules import check_entry, parse_address

    text = str(value)
    if parse_address(text) is not None or text.startswith("*") or ":" in text:
        return f"{text!r} must be a plain host name"
    return check_entry(text)


def _forward(value: object) -> str | None:
    from agentsh.net import check_forward

    return check_forward(value)


CHANNELS = ("tty", "console")


def _channels(value: object) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "expected a list of channels, like [tty, console] (or [] to deny without asking)"
    unknown = [v for v in value if v not in CHANNELS]
    if unknown:
        return f"unknown channel {unknown[0]!r}; channels are {', '.join(CHANNELS)}"
    if len(set(value)) != len(value):
        return "a channel is listed twice"
    return None


def _positive(value: object) -> str | None:
    return None if isinstance(value, int) and value > 0 else "must be a whole number above 0"


SCHEMA = Section(
    {
        "extends": Scalar(str),
        "sandbox": Section(
            {
                "bwrap": Scalar(str, "auto", check=_bwrap, user_only=True),
                "fallback": Scalar(
                    str, "refuse", choices=("refuse", "unsandboxed"), user_only=True
                ),
                "writable": ListOf(Scalar(str, check=_host_path)),
                "protected": ListOf(Scalar(str, check=_relative_path)),
                "home": Scalar(str, "read-only", choices=("read-only", "hidden")),
                "home_visible": ListOf(Scalar(str, check=_host_path)),
                "other_projects": Scalar(str, "hidden", choices=("hidden", "visible")),
                "hidden_sockets": ListOf(Scalar(str, check=_host_path)),
                "background": Scalar(str, "stop", choices=("stop", "keep")),
            }
        ),
        "secrets": Section(
            {
                "hide": ListOf(Scalar(str, check=_pattern)),
                "reveal": ListOf(Scalar(str)),
                "paths": ListOf(Scalar(str, check=_host_path)),
                "skip_dirs": ListOf(Scalar(str, check=_name)),
                "watch": Scalar(bool, True),
            }
        ),
        "env": Section(
            {
                "pass": ListOf(Scalar(str, check=_env_name_glob)),
                "block": ListOf(Scalar(str, check=_env_name_glob)),
                "set": MapOf(Scalar(str), key_check=_env_name),
            }
        ),
        "network": Section(
            {
                "mode": Scalar(str, "none", choices=("none", "allowlist", "open")),
                "allow": ListOf(Scalar(str, check=_host_entry)),
                "deny": ListOf(Scalar(str, check=_host_entry)),
                "hosts": MapOf(Scalar(str, check=_address), key_check=_host_name),
                "forward": ListOf(Scalar(str, check=_forward)),
                "sockets": ListOf(Scalar(str, check=_host_path)),
                "ask": Scalar(bool, True),
            }
        ),
        "approval": Section(
            {
                "channels": Value(check=_channels, default=CHANNELS),
                "timeout": Scalar(int, 120, check=_positive),
                "notify": Scalar(bool, True),
            }
        ),
        "audit": Section(
            {
                "max_bytes": Scalar(int, 16 << 20, check=_positive, user_only=True),
                "keep": Scalar(int, 8, check=_positive, user_only=True),
            }
        ),
        "rules": ListOf(
            Section(
                {
                    "match": Value(_command_shape),
                    "decision": Scalar(str, choices=("allow", "confirm", "deny")),
                    "reason": Scalar(str),
                    "target": Scalar(str),
                },
                required=("match", "decision", "reason"),
            )
        ),
    }
)
