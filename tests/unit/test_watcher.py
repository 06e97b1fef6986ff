from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from agentsh.sandbox import watcher
from agentsh.sandbox.secrets import SecretMatcher, scan_key
from tests.unit.test_secret_scan import HIDE, REVEAL, IncrementalScanMatchesAFreshScan, _fresh


class WatcherMatchesAFreshScan(IncrementalScanMatchesAFreshScan):
    """The same random edits, judged by the inotify-driven tree instead of the mtime cache."""

    def _tree(self) -> watcher.WatchedTree:
        if not hasattr(self, "tree"):
            self.tree = watcher.WatchedTree(str(self.root), SecretMatcher(HIDE, REVEAL), (".git",))
        return self.tree

    def teardown(self) -> None:
        if hasattr(self, "tree"):
            self.tree.inotify.close()
        super().teardown()

    @invariant()
    def matches_fresh_scan(self) -> None:
        tree = self._tree()
        assert tree.apply(tree.inotify.read())
        assert set(tree.snapshot()) == _fresh(self.root)


TestWatcher = WatcherMatchesAFreshScan.TestCase
TestWatcher.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)


def test_watcher_process_answers_and_follows_changes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "a").mkdir(parents=True)
    (project / "a" / ".env").write_text("x")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    matcher = SecretMatcher(HIDE, REVEAL)
    key = scan_key(matcher, (".git",))
    socket = watcher.socket_path(str(runtime), str(project), key)
    assert socket
    watcher.start(socket, str(project), HIDE, REVEAL, (".git",))
    deadline = time.monotonic() + 20
    answer = None
    while answer is None and time.monotonic() < deadline:
        answer = watcher.query(socket, str(project), key)
        time.sleep(0.05)
    assert answer is not None
    assert [h.path for h in answer] == [str(project / "a" / ".env")]
    (project / "b").mkdir()
    (project / "b" / "id_rsa").write_text("x")
    paths = {h.path for h in watcher.query(socket, str(project), key) or []}
    assert paths == {str(project / "a" / ".env"), str(project / "b" / "id_rsa")}
    assert watcher.query(socket, str(project), key + "other") is None
    os.unlink(socket)
    deadline = time.monotonic() + watcher.POLL_SECONDS + 10
    while watcher.is_starting(socket) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not watcher.is_starting(socket), "the watcher must exit once its socket is gone"


def test_a_second_watcher_for_the_same_project_exits_at_once(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    socket = str(runtime / "w.sock")
    lock = os.open(socket + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    import fcntl

    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        assert watcher.is_starting(socket)
        config = {"socket": socket, "root": str(project), "hide": HIDE, "reveal": [], "skip": []}
        import marshal

        result = subprocess.run(
            [sys.executable, "-I", "-m", "agentsh.sandbox.watcher"],
            input=marshal.dumps(config),
            timeout=20,
            check=False,
        )
        assert result.returncode == 0
        assert not os.path.exists(socket)
    finally:
        os.close(lock)
    shutil.rmtree(runtime)
