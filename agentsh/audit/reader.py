"""Reading the audit log back: its entries, and a walk along the chain that verifies it."""

from __future__ import annotations

import json
import os

from agentsh.audit.log import GENESIS, HEAD, Head, log_files, sha256_hex
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


def read_entries(folder: str) -> Iterator[dict[str, Any]]:
    """Every readable entry, oldest first (lines that are not JSON objects are skipped)."""
    for path in log_files(folder):
        try:
            with open(path, "rb") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


@record
class Verification:
    ok: bool
    entries: int
    files: int
    first_seq: int
    last_seq: int
    problem: str = ""
    note: str = ""


def verify(folder: str) -> Verification:
    """Walk the chain across every file; report the first broken or missing link."""
    files = log_files(folder)
    head = None
    try:
        with open(os.path.join(folder, HEAD), "rb") as handle:
            head = Head.parse(handle.read(256))
    except OSError:
        pass
    previous_digest: str | None = None
    previous_seq: int | None = None
    first_seq = 0
    count = 0
    note = ""

    def broken(problem: str) -> Verification:
        return Verification(False, count, len(files), first_seq, previous_seq or 0, problem)

    for path in files:
        name = os.path.basename(path)
        with open(path, "rb") as handle:
            data = handle.read()
        if data and not data.endswith(b"\n"):
            return broken(f"{name}: the last line is incomplete (a write was cut short)")
        for number, line in enumerate(data.split(b"\n")[:-1], 1):
            where = f"{name}:{number}"
            try:
                entry = json.loads(line)
                seq = int(entry["seq"])
                prev = str(entry["prev"])
            except (ValueError, KeyError, TypeError):
                return broken(f"{where}: not an audit entry (the line was edited)")
            if previous_seq is None:
                first_seq = seq
                if seq == 1 and prev != GENESIS:
                    return broken(f"{where}: entry #1 does not start the chain")
                if seq > 1:
                    note = f"the chain starts at entry #{seq}; older files were rotated away"
            elif seq != previous_seq + 1:
                return broken(
                    f"{where}: entry #{seq} follows #{previous_seq}; "
                    f"{'entries are missing' if seq > previous_seq else 'entries are out of order'}"
                )
            elif prev != previous_digest:
                return broken(
                    f"{where}: entry #{seq} does not chain to #{previous_seq} "
                    "(a line was edited, deleted or inserted)"
                )
            previous_digest = sha256_hex(line)
            previous_seq = seq
            count += 1
    if head is not None and head.seq:
        if previous_seq is None or head.seq > previous_seq:
            missing = head.seq - (previous_seq or 0)
            return broken(
                f"the log ends at entry #{previous_seq or 0} but #{head.seq} was written: "
                f"{missing} entr{'y is' if missing == 1 else 'ies are'} missing from the end"
            )
        if head.seq == previous_seq and head.digest != previous_digest:
            return broken(f"the last entry #{head.seq} was changed after it was written")
    return Verification(True, count, len(files), first_seq, previous_seq or 0, note=note)
