"""Project profiles the human has not trusted may only tighten the settings.

A project's `.agentsh.yaml` lives in the repository, which the agent can
write. Until a human runs `agentshctl trust`, whatever in it would loosen
the user's and built-in settings (a rule that allows, a revealed secret, a
passed or set variable, a writable directory, the network opened) is ignored,
and agentsh says so in one line. The trust store keeps each trusted file's
exact text, outside every sandbox.
"""

from __future__ import annotations

import hashlib
import json
import os

from agentsh.paths import ensure_private_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STORE_NAME = "trust.json"


def store_path(state_dir: str) -> str:
    return os.path.join(state_dir, STORE_NAME)


def read_store(path: str) -> dict[str, dict[str, str]]:
    """The trusted files: path -> {"sha256", "text"}. A store that cannot be read trusts nothing."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        key: value
        for key, value in data.items()
        if isinstance(value, dict) and isinstance(value.get("sha256"), str)
    }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_trusted(store: dict[str, dict[str, str]], path: str, data: bytes) -> bool:
    entry = store.get(path)
    return entry is not None and entry["sha256"] == digest(data)


def trust(state_dir: str, path: str, data: bytes) -> None:
    store_file = store_path(state_dir)
    store = read_store(store_file)
    store[path] = {"sha256": digest(data), "text": data.decode("utf-8", "replace")}
    ensure_private_dir(state_dir)
    temporary = f"{store_file}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(store, handle, indent=2, sort_keys=True)
    os.replace(temporary, store_file)


def restrict(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The tightening part of an untrusted layer, and a description of what was dropped."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for section, settings in values.items():
        if section == "rules":
            allowed = [rule for rule in settings if rule.get("decision") != "allow"]
            dropped += [
                f"rule allowing {rule.get('match')}" for rule in settings if rule not in allowed
            ]
            if allowed:
                kept["rules"] = allowed
            continue
        if not isinstance(settings, dict):
            kept[section] = settings
            continue
        section_kept: dict[str, Any] = {}
        for key, value in settings.items():
            why = _loosens(section, key, value)
            if why:
                dropped.append(f"{section}.{key} ({why})")
            else:
                section_kept[key] = value
        if section_kept:
            kept[section] = section_kept
    return kept, dropped


_LOOSENING_KEYS = {
    ("sandbox", "writable"): "makes directories writable",
    ("sandbox", "home_visible"): "shows more of your home directory",
    ("secrets", "reveal"): "reveals hidden files",
    ("secrets", "skip_dirs"): "stops looking for secrets in directories",
    ("env", "pass"): "passes environment variables",
    ("env", "set"): "sets environment variables",
    ("network", "allow"): "allows network hosts",
    ("network", "hosts"): "pins host names to addresses",
    ("network", "forward"): "forwards host services into the sandbox",
    ("network", "sockets"): "shows host service sockets",
}


def _loosens(section: str, key: str, value: object) -> str | None:
    if (section, key) in _LOOSENING_KEYS and value not in ([], {}):
        return _LOOSENING_KEYS[(section, key)]
    if (section, key) == ("network", "mode") and value != "none":
        return "opens the network"
    if (section, key) == ("sandbox", "home") and value != "hidden":
        return "shows your home directory"
    if (section, key) == ("sandbox", "other_projects") and value != "hidden":
        return "shows the projects beside this one"
    if (section, key) == ("sandbox", "background") and value != "stop":
        return "keeps background jobs running after the command"
    if (section, key) == ("approval", "channels") and isinstance(value, list) and "tty" in value:
        return "may turn the terminal prompt back on, where an agent that types could answer"
    return None
