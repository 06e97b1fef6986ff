"""The audit log's chain: appends, rotation, verification, and what tampering looks like."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agentsh.audit import log as audit
from agentsh.audit import reader


def _fill(folder: Path, count: int, **kwargs: int) -> audit.AuditLog:
    log = audit.AuditLog(str(folder), **kwargs)
    for number in range(count):
        log.append({"command": f"echo {number}", "status": 0})
    log.close()
    return log


def _lines(folder: Path) -> list[bytes]:
    return (folder / audit.CURRENT).read_bytes().splitlines()


def test_entries_chain_from_the_genesis_and_verify(tmp_path: Path) -> None:
    _fill(tmp_path, 5)
    entries = [json.loads(line) for line in _lines(tmp_path)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == audit.GENESIS
    for previous, line in zip(_lines(tmp_path), entries[1:], strict=False):
        assert line["prev"] == audit.sha256_hex(previous)
    result = reader.verify(str(tmp_path))
    assert result.ok and result.entries == 5 and result.last_seq == 5


def test_an_edited_line_is_reported_at_its_successor(tmp_path: Path) -> None:
    _fill(tmp_path, 6)
    lines = _lines(tmp_path)
    lines[2] = lines[2].replace(b"echo 2", b"echo X")
    (tmp_path / audit.CURRENT).write_bytes(b"\n".join(lines) + b"\n")
    result = reader.verify(str(tmp_path))
    assert not result.ok
    assert "audit.jsonl:4" in result.problem and "#4 does not chain to #3" in result.problem


def test_a_deleted_line_is_reported(tmp_path: Path) -> None:
    _fill(tmp_path, 6)
    lines = _lines(tmp_path)
    del lines[3]
    (tmp_path / audit.CURRENT).write_bytes(b"\n".join(lines) + b"\n")
    result = reader.verify(str(tmp_path))
    assert not result.ok and "entries are missing" in result.problem


def test_lines_cut_from_the_end_are_reported_through_the_head(tmp_path: Path) -> None:
    _fill(tmp_path, 6)
    lines = _lines(tmp_path)
    (tmp_path / audit.CURRENT).write_bytes(b"\n".join(lines[:-2]) + b"\n")
    result = reader.verify(str(tmp_path))
    assert not result.ok and "2 entries are missing from the end" in result.problem


def test_a_rewritten_last_line_is_reported(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    lines = _lines(tmp_path)
    lines[-1] = lines[-1].replace(b'"status":0', b'"status":1')
    (tmp_path / audit.CURRENT).write_bytes(b"\n".join(lines) + b"\n")
    result = reader.verify(str(tmp_path))
    assert not result.ok and "changed after it was written" in result.problem


def test_a_torn_last_line_is_reported(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    with open(tmp_path / audit.CURRENT, "ab") as handle:
        handle.write(b'{"seq":4,"pr')
    result = reader.verify(str(tmp_path))
    assert not result.ok and "incomplete" in result.problem


def test_rotation_keeps_the_chain_across_files(tmp_path: Path) -> None:
    _fill(tmp_path, 40, max_bytes=1500, keep=100)
    files = audit.log_files(str(tmp_path))
    assert len(files) > 3
    result = reader.verify(str(tmp_path))
    assert result.ok and result.entries == 40 and result.files == len(files)
    first_of_each = [json.loads(Path(f).read_bytes().splitlines()[0])["seq"] for f in files]
    assert first_of_each == sorted(first_of_each) and first_of_each[0] == 1
    assert all(os.path.getsize(f) <= 1500 for f in files)


def test_rotation_drops_the_oldest_files_and_says_where_the_chain_starts(tmp_path: Path) -> None:
    _fill(tmp_path, 60, max_bytes=1500, keep=2)
    files = audit.log_files(str(tmp_path))
    assert len(files) == 3
    result = reader.verify(str(tmp_path))
    assert result.ok and result.last_seq == 60 and result.first_seq > 1
    assert "rotated away" in result.note


def test_the_head_is_rebuilt_from_the_log_when_it_is_missing(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    (tmp_path / audit.HEAD).unlink()
    _fill(tmp_path, 2)
    entries = [json.loads(line) for line in _lines(tmp_path)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert reader.verify(str(tmp_path)).ok


def _append_many(folder: str, worker: int, count: int) -> None:
    log = audit.AuditLog(folder)
    for number in range(count):
        log.append({"command": f"worker {worker} command {number} " + "x" * (number * 37 % 3000)})


def test_concurrent_processes_never_tear_or_fork_the_chain(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_append_many, args=(str(tmp_path), worker, 150))
        for worker in range(8)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    result = reader.verify(str(tmp_path))
    assert result.ok and result.entries == 8 * 150


def test_a_marker_left_by_a_killed_agentsh_is_logged_as_lost(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from agentsh.audit.log import Pending\n"
        f"Pending({str(tmp_path)!r}).mark({{'command': 'sleep 100', 'outcome': None}})\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    log = audit.AuditLog(str(tmp_path))
    mine = audit.Pending(str(tmp_path)).mark({"command": "still running"})
    log.append({"command": "next", "status": 0})
    entries = [json.loads(line) for line in _lines(tmp_path)]
    assert [e["command"] for e in entries] == ["sleep 100", "next"]
    assert entries[0]["outcome"] == "lost" and entries[0]["status"] is None
    assert os.path.exists(mine), "a live process's marker stays"
    assert not [p for p in os.listdir(tmp_path / audit.PENDING) if "still" in p]
    assert reader.verify(str(tmp_path)).ok


def test_an_unwritable_folder_is_refused_before_anything_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "audit"
    blocker.write_text("not a directory")
    log = audit.AuditLog(str(blocker))
    try:
        log.open()
    except audit.AuditUnavailable as exc:
        assert str(blocker) in str(exc)
    else:
        raise AssertionError("opening a log under a file must fail")


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_the_encoder_writes_json_that_reads_back_exactly(value: object) -> None:
    line = audit.encode({"value": value})
    assert b"\n" not in line
    assert json.loads(line) == {"value": value}
