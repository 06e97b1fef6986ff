from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from agentsh.sandbox import secrets
from agentsh.sandbox.secrets import (
    NameMatcher,
    ProjectScan,
    SecretMatcher,
    fixed_locations,
    glob_regex,
)

HIDE = [
    ".env",
    ".env.*",
    "*.pem",
    "id_rsa",
    "*service-account*.json",
    "config/*.key",
    ".ssh/",
    "**/vault/*.txt",
]
REVEAL = [".env.example", "public.pem"]


@pytest.mark.parametrize(
    ("name", "relpath", "hidden"),
    [
        (".env", ".env", True),
        (".env.production", "a/.env.production", True),
        (".env.example", ".env.example", False),
        ("cert.pem", "x/cert.pem", True),
        ("public.pem", "public.pem", False),
        ("id_rsa", "id_rsa", True),
        ("id_rsa.pub", "id_rsa.pub", False),
        ("my-service-account-key.json", "k/my-service-account-key.json", True),
        ("app.key", "config/app.key", True),
        ("app.key", "other/app.key", False),
        ("a.txt", "vault/a.txt", True),
        ("a.txt", "deep/er/vault/a.txt", True),
        ("a.txt", "deep/a.txt", False),
        ("environment.py", "environment.py", False),
    ],
)
def test_file_patterns(name: str, relpath: str, hidden: bool) -> None:
    assert SecretMatcher(HIDE, REVEAL).hides_file(name, relpath) is hidden


def test_directory_patterns_only_match_directories() -> None:
    matcher = SecretMatcher(HIDE, REVEAL)
    assert matcher.hides_dir(".ssh", "x/.ssh")
    assert not matcher.hides_file(".ssh", "x/.ssh")
    assert not matcher.hides_dir(".env", ".env")


def test_glob_translation() -> None:
    import re

    assert re.fullmatch(glob_regex("a/**/b"), "a/b")
    assert re.fullmatch(glob_regex("a/**/b"), "a/x/y/b")
    assert not re.fullmatch(glob_regex("a/*/b"), "a/x/y/b")
    assert re.fullmatch(glob_regex("[!a]x"), "bx")
    assert NameMatcher(["[ab]*.cfg"]).matches("a1.cfg", "a1.cfg")


def test_fixed_locations_only_existing_and_not_revealed(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".npmrc").write_text("x")
    (tmp_path / ".netrc").write_text("x")
    found = fixed_locations(
        ["~/.aws", "~/.npmrc", "~/.netrc", "~/.missing"], ["~/.netrc"], str(tmp_path)
    )
    assert {(h.path, h.is_dir) for h in found} == {
        (str(tmp_path / ".aws"), True),
        (str(tmp_path / ".npmrc"), False),
    }


def _fresh(root: Path, skip: tuple[str, ...] = (".git",)) -> set[tuple[str, bool]]:
    scan = ProjectScan(str(root), SecretMatcher(HIDE, REVEAL), skip, None)
    return {(h.path, h.is_dir) for h in scan.run()}


def test_scan_skips_configured_directories_and_does_not_descend_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / ".env").write_text("x")
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_rsa").write_text("x")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".env").write_text("x")
    os.symlink("/nonexistent", tmp_path / "a" / ".env.local")
    assert _fresh(tmp_path) == {
        (str(tmp_path / ".ssh"), True),
        (str(tmp_path / "a" / ".env"), False),
        (str(tmp_path / "a" / ".env.local"), False),
    }


def test_warm_runs_list_nothing_and_see_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(20):
        folder = tmp_path / f"d{index}"
        folder.mkdir()
        (folder / "f.py").write_text("")
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    matcher = SecretMatcher(HIDE, REVEAL)
    first = ProjectScan(str(tmp_path), matcher, (), str(cache))
    assert first.run() == []
    assert first.scanned == 21
    monkeypatch.setattr(secrets, "_RACY_NS", 0)
    second = ProjectScan(str(tmp_path), matcher, (), str(cache))
    second.run()
    time.sleep(0.05)
    third = ProjectScan(str(tmp_path), matcher, (), str(cache))
    assert third.run() == [] and third.scanned == 0
    (tmp_path / "d7" / ".env").write_text("x")
    fourth = ProjectScan(str(tmp_path), matcher, (), str(cache))
    assert [h.path for h in fourth.run()] == [str(tmp_path / "d7" / ".env")]
    assert fourth.scanned == 1
    shutil.rmtree(cache)


def test_a_directory_listed_right_after_a_change_is_listed_again(tmp_path: Path) -> None:
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    matcher = SecretMatcher(HIDE, REVEAL)
    (tmp_path / "a.py").write_text("")
    ProjectScan(str(tmp_path), matcher, (), str(cache)).run()
    again = ProjectScan(str(tmp_path), matcher, (), str(cache))
    again.run()
    assert again.scanned == 1, "a directory modified within the racy window must not be trusted"
    shutil.rmtree(cache)


NAMES = st.sampled_from(["a", "b", ".env", "x.pem", "id_rsa", ".ssh", "vault", "c.txt"])


class IncrementalScanMatchesAFreshScan(RuleBasedStateMachine):
    """Random edits to a tree; the cached scan must always equal a from-scratch scan.

    The clock is simulated: every edited directory gets a new, distinct mtime
    and nothing counts as racy, which exercises the trust-the-mtime path.
    """

    @initialize()
    def setup(self) -> None:
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="scan-"))
        self.cache = tempfile.mkdtemp(prefix="scan-cache-")
        self.tick = 1_000_000_000_000_000_000
        self.dirs: list[Path] = [self.root]
        self.original_racy = secrets._RACY_NS
        secrets._RACY_NS = 0

    def teardown(self) -> None:
        secrets._RACY_NS = self.original_racy
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)

    def _touch(self, *folders: Path) -> None:
        for folder in folders:
            self.tick += 1_000_000_000
            if folder.exists():
                os.utime(folder, ns=(self.tick, self.tick))

    def _live_dirs(self) -> list[Path]:
        return [d for d in self.dirs if d.is_dir()]

    @rule(parent=st.integers(0, 50), name=NAMES)
    def create_file(self, parent: int, name: str) -> None:
        folders = self._live_dirs()
        folder = folders[parent % len(folders)]
        target = folder / name
        if not target.exists():
            target.write_text("x")
            self._touch(folder)

    @rule(parent=st.integers(0, 50), name=NAMES)
    def make_dir(self, parent: int, name: str) -> None:
        folders = self._live_dirs()
        folder = folders[parent % len(folders)]
        target = folder / (name + "d" if name in (".env", "x.pem", "id_rsa") else name)
        if not target.exists():
            target.mkdir()
            self.dirs.append(target)
            self._touch(folder, target)

    @rule(index=st.integers(0, 50))
    def remove(self, index: int) -> None:
        entries = [p for p in self.root.rglob("*")]
        if not entries:
            return
        target = entries[index % len(entries)]
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        self._touch(target.parent)

    @rule(index=st.integers(0, 50), destination=st.integers(0, 50), name=NAMES)
    def rename(self, index: int, destination: int, name: str) -> None:
        entries = [p for p in self.root.rglob("*")]
        folders = self._live_dirs()
        if not entries:
            return
        source = entries[index % len(entries)]
        target_dir = folders[destination % len(folders)]
        target = target_dir / (name + "r")
        if target.exists() or target_dir == source or source in target_dir.parents:
            return
        source.rename(target)
        if target.is_dir():
            self.dirs.append(target)
            self.dirs.extend(p for p in target.rglob("*") if p.is_dir())
        self._touch(source.parent, target_dir)

    @invariant()
    def matches_fresh_scan(self) -> None:
        incremental = ProjectScan(
            str(self.root), SecretMatcher(HIDE, REVEAL), (".git",), self.cache
        )
        got = {(h.path, h.is_dir) for h in incremental.run()}
        assert got == _fresh(self.root)


TestIncrementalScan = IncrementalScanMatchesAFreshScan.TestCase
TestIncrementalScan.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)


def test_a_directory_that_cannot_be_listed_is_hidden_whole(tmp_path: Path) -> None:
    if os.getuid() == 0:
        import pytest

        pytest.skip("root can list any directory")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / ".env").write_text("x")
    locked.chmod(0o311)
    try:
        assert (str(locked), True) in _fresh(tmp_path)
    finally:
        locked.chmod(0o755)
