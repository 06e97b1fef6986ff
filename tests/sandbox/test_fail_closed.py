"""When the sandbox cannot be built or the profile is broken, nothing runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import Workspace


def _assert_refused(ws: Workspace, marker: Path, *needles: str) -> str:
    result = ws.run("-c", f"touch {marker}; echo ran")
    assert result.returncode == 126, result.stderr
    assert "ran" not in result.stdout
    assert not marker.exists()
    line = result.stderr.strip()
    assert "\n" not in line, line
    assert line.startswith("agentsh: ")
    for needle in needles:
        assert needle in line
    return line


def test_missing_bwrap_refuses_to_run(ws: Workspace) -> None:
    ws.user_profile("sandbox:\n  bwrap: /nonexistent/bwrap\n")
    _assert_refused(ws, ws.project / "marker", "did not run", "agentshctl doctor")


def test_a_bwrap_that_cannot_create_namespaces_refuses_to_run(ws: Workspace) -> None:
    fake = ws.root / "fake-bwrap"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "bubblewrap 0.11.0"; exit 0;; esac\n'
        'echo "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    ws.user_profile(f"sandbox:\n  bwrap: {fake}\n")
    line = _assert_refused(ws, ws.project / "marker", "Permission denied", "agentshctl doctor")
    assert "did not run" in line


def test_an_unsandboxed_fallback_needs_the_users_explicit_choice(ws: Workspace) -> None:
    (ws.project / ".agentsh.yaml").write_text("sandbox:\n  fallback: unsandboxed\n")
    result = ws.run("-c", "echo ran")
    assert result.returncode == 126
    assert "may only be set in your user profile" in result.stderr
    (ws.project / ".agentsh.yaml").unlink()
    ws.user_profile("sandbox:\n  bwrap: /nonexistent/bwrap\n  fallback: unsandboxed\n")
    result = ws.run("-c", "echo ran")
    assert result.stdout == "ran\n"
    assert "WITHOUT a sandbox" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        ("sandbox:\n  writeable: [~/x]\n", 2, "sandbox.writeable", "did you mean 'writable'"),
        ("network:\n  mode: 3\n", 2, "network.mode", "must be one of"),
        ("secrets:\n  hide: .env\n", 2, "secrets.hide", "expected a list"),
        ("env:\n  pass: [PATH, 'BAD NAME']\n", 2, "env.pass[1]", "not an environment variable"),
        ("secrets:\n  hide: ['**foo/x']\n", 2, "secrets.hide[0]", "whole path component"),
        ("sandbox:\n\n  home: [unclosed\n", 4, None, "broken YAML"),
        ("colour: blue\n", 1, "colour", "unknown key"),
        ("network:\n  mode: none\nnetwork:\n  mode: open\n", 3, "network", "set twice"),
        ("extends: strcit\n", 1, "extends", "did you mean 'strict'"),
    ],
)
def test_profile_errors_name_file_line_and_key(
    ws: Workspace, text: str, line: int, key: str | None, problem: str
) -> None:
    profile = ws.project / ".agentsh.yaml"
    profile.write_text(text)
    message = _assert_refused(ws, ws.project / "marker", f"{profile}:{line}", problem)
    if key:
        assert f" {key}:" in message


def test_user_profile_errors_are_reported_the_same_way(ws: Workspace) -> None:
    path = ws.user_profile("sandbox:\n  home: sometimes\n")
    _assert_refused(ws, ws.project / "marker", f"{path}:2", "sandbox.home")


def test_a_working_directory_that_vanished_is_refused(ws: Workspace) -> None:
    gone = ws.project / "gone"
    gone.mkdir()
    pid = os.fork()
    if pid == 0:
        os.chdir(gone)
        os.rmdir(gone)
        os.execve(
            os.path.join(os.path.dirname(__import__("sys").executable), "agentsh"),
            ["agentsh", "-c", "echo ran"],
            ws.env,
        )
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 126


def test_a_network_namespace_that_cannot_be_made_stops_the_command(ws: Workspace) -> None:
    """The kernel refusing unshare (AppArmor on Ubuntu 24.04, say), injected in the child."""
    import subprocess
    import sys

    ws.user_profile("network:\n  mode: allowlist\n  allow: [example.com]\n")
    marker = ws.project / "ran"
    refuse = (
        "import sys\n"
        "from agentsh.net import namespace\n"
        "def refuse(uid, gid):\n"
        "    raise namespace.NamespaceError(1, 'unshare: Operation not permitted')\n"
        "namespace.enter = refuse\n"
        "from agentsh.shell.main import main\n"
        f"sys.exit(main(['-c', 'touch {marker}']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", refuse],
        cwd=ws.project,
        env=ws.env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert result.returncode == 126
    assert not marker.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "network namespace" in lines[0] and "did not run" in lines[0]
    entry = ws.ctl("log", "--json", "-n", "1").stdout
    assert '"outcome": "error"' in entry


def test_a_profile_edited_while_commands_run_never_lets_one_run_loosely(ws: Workspace) -> None:
    """A writer flips the user profile between a strict, a broken and a truncated version
    while commands run; each command uses one whole version or refuses with one line.

    The writer replaces the file atomically, as editors that save safely do; a
    file truncated in place reads, for an instant, as an empty profile."""
    import threading

    strict = "rules:\n  - match: [touch]\n    decision: deny\n    reason: no touching today\n"
    versions = [strict, "rules: [unclosed\n", strict[: len(strict) // 2], strict]
    path = ws.user_profile(strict)
    stop = threading.Event()

    def edit() -> None:
        index = 0
        while not stop.is_set():
            temporary = path.with_suffix(".tmp")
            temporary.write_text(versions[index % len(versions)])
            os.replace(temporary, path)
            index += 1

    writer = threading.Thread(target=edit)
    writer.start()
    try:
        results = [ws.run("-c", f"touch {ws.project}/touched-{n}") for n in range(25)]
    finally:
        stop.set()
        writer.join()
    for result in results:
        assert result.returncode == 126, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and (
            lines[0].startswith("agentsh: blocked: ") or "profile error" in lines[0]
        ), lines
    assert not list(ws.project.glob("touched-*"))
