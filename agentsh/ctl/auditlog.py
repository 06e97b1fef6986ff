"""`agentshctl log`: read the audit log as a table or JSON, filter it, verify its chain."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from agentsh.approve.render import neutralise, plain
from agentsh.audit import log as audit
from agentsh.audit import reader

OUTCOME_WORDS = ("ran", "approved", "blocked", "denied", "error", "unsandboxed", "lost")
DECISIONS = ("allow", "confirm", "deny")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class FilterError(ValueError):
    pass


def folder_of(state_dir: str) -> str:
    return os.path.join(state_dir, "audit")


def parse_since(text: str, now: datetime) -> datetime:
    """`10m`, `2h`, `3d`, `1w`, or a date/time in ISO form (local time unless it says)."""
    match = _DURATION.fullmatch(text.strip())
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise FilterError(
            f"--since {text!r}: expected an age like 10m, 2h, 3d or a time like 2026-11-25T14:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment


def entry_time(entry: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def select(
    entries: list[dict[str, Any]],
    since: datetime | None,
    decision: str | None,
    pattern: re.Pattern[str] | None,
    count: int,
) -> list[dict[str, Any]]:
    chosen = []
    for entry in entries:
        if since is not None:
            moment = entry_time(entry)
            if moment is None or moment < since:
                continue
        if decision and decision not in (entry.get("decision"), entry.get("outcome")):
            continue
        if pattern is not None:
            haystack = "\n".join(
                [
                    str(entry.get("command") or ""),
                    str(entry.get("cwd") or ""),
                    *(str(f.get("message", "")) for f in entry.get("findings") or []),
                ]
            )
            if not pattern.search(haystack):
                continue
        chosen.append(entry)
    return chosen[-count:] if count > 0 else chosen


def _one_line(text: str) -> str:
    return plain(neutralise(text.replace("\n", " ⏎ ").replace("\t", " ")))


def table(entries: list[dict[str, Any]], width: int) -> list[str]:
    header = f"{'#':>6}  {'time':<19}  {'decision':<8}  {'outcome':<9}  {'exit':>4}  {'secs':>6}  command"
    rows = [header]
    for entry in entries:
        moment = entry_time(entry)
        stamp = moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "?"
        status = entry.get("status")
        duration = entry.get("duration_s")
        command = entry.get("command")
        if command is None:
            command = f"(script {entry.get('script')})" if entry.get("script") else "(none)"
        where = entry.get("cwd") or ""
        prefix = (
            f"{entry.get('seq', '?'):>6}  {stamp:<19}  {entry.get('decision') or '-'!s:<8}  "
            f"{entry.get('outcome') or '-'!s:<9}  {'-' if status is None else status:>4}  "
            f"{'-' if duration is None else f'{duration:.2f}':>6}  "
        )
        text = _one_line(str(command))
        if where:
            text += f"   (in {_one_line(where)})"
        room = max(20, width - len(prefix))
        if len(text) > room:
            text = text[: room - 1] + "…"
        rows.append(prefix + text)
        approval = entry.get("approval")
        if approval and approval.get("channel") != "none":
            rows.append(f"{'':>6}  asked via {approval.get('channel')}: {approval.get('answer')}")
    return rows


def run(
    state_dir: str,
    *,
    verify: bool,
    as_json: bool,
    since: str | None,
    decision: str | None,
    grep: str | None,
    count: int,
) -> int:
    folder = folder_of(state_dir)
    if verify:
        return _verify(folder)
    try:
        since_time = parse_since(since, datetime.now(UTC)) if since else None
        pattern = re.compile(grep, re.IGNORECASE) if grep else None
    except re.error as exc:
        print(f"agentshctl log: --grep {grep!r} is not a valid pattern ({exc})", file=sys.stderr)
        return 3
    except FilterError as exc:
        print(f"agentshctl log: {exc}", file=sys.stderr)
        return 3
    if decision and decision not in (*DECISIONS, *OUTCOME_WORDS):
        choices = ", ".join((*DECISIONS, *OUTCOME_WORDS))
        print(f"agentshctl log: --decision must be one of {choices}", file=sys.stderr)
        return 3
    if not audit.log_files(folder):
        print(f"no audit log yet in {folder}", file=sys.stderr)
        return 0
    chosen = select(list(reader.read_entries(folder)), since_time, decision, pattern, count)
    if as_json:
        for entry in chosen:
            sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    for row in table(chosen, width):
        print(row)
    return 0


def _verify(folder: str) -> int:
    if not audit.log_files(folder):
        print(f"no audit log yet in {folder}")
        return 0
    started = time.monotonic()
    result = reader.verify(folder)
    took = time.monotonic() - started
    if not result.ok:
        print(f"audit log BROKEN: {result.problem}")
        print(
            f"  {result.entries} entries verified before it (#{result.first_seq}..#{result.last_seq})"
        )
        return 1
    print(
        f"audit log OK: {result.entries} entries (#{result.first_seq}..#{result.last_seq}) "
        f"in {result.files} file(s), chain intact ({took:.2f} s)"
    )
    if result.note:
        print(f"  note: {result.note}")
    return 0
