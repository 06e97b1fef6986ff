"""Reading git's index for tracked secrets, without running git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agentsh.sandbox import gitrepo as gitindex
from tests.conftest import needs_git


def _repository(tmp_path: Path, version: int) -> Path:
    root = tmp_path / f"repo{version}"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".env").write_text("TOKEN=x\n")
    (root / "deep" / "keys").mkdir(parents=True)
    (root / "deep" / "keys" / "id.pem").write_text("k")
    (root / "deep" / "keys-not").mkdir()
    (root / "deep" / "keys-not" / "x").write_text("x")
    (root / "README.md").write_text("r")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "update-index", "--index-version", str(version)], check=True
    )
    return root


@needs_git
@pytest.mark.parametrize("version", [2, 3, 4])
def test_every_index_version_lists_its_paths(tmp_path: Path, version: int) -> None:
    root = _repository(tmp_path, version)
    paths = gitindex.index_paths((root / ".git" / "index").read_bytes())
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert paths == listed


@needs_git
def test_tracked_hidden_files_and_directories_are_found(tmp_path: Path) -> None:
    root = _repository(tmp_path, 2)
    found, fresh = gitindex.tracked_secrets(
        str(root),
        [(".env", False), ("deep/keys", True), ("absent.key", False)],
        str(tmp_path / "c"),
    )
    assert found == [".env", "deep/keys/id.pem"] and fresh
    again, fresh = gitindex.tracked_secrets(
        str(root),
        [(".env", False), ("deep/keys", True), ("absent.key", False)],
        str(tmp_path / "c"),
    )
    assert again == found and not fresh, "the second look comes from the cache"


def test_a_file_that_is_not_an_index_is_refused() -> None:
    with pytest.raises(gitindex.IndexError_):
        gitindex.index_paths(b"not an index at all")
    with pytest.raises(gitindex.IndexError_):
        gitindex.index_paths(b"DIRC\x00\x00\x00\x02\x00\x00\x00\x05")


@needs_git
@pytest.mark.parametrize("version", [2, 3, 4])
def test_gitlinks_are_read_with_their_mode(tmp_path: Path, version: int) -> None:
    root = _repository(tmp_path, version)
    nested = root / "vendor" / "lib"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", str(nested)], check=True)
    subprocess.run(
        [*git, "-C", str(nested), "commit", "-q", "--allow-empty", "-m", "x"], check=True
    )
    subprocess.run([*git, "-C", str(root), "add", "vendor/lib"], check=True, capture_output=True)
    subprocess.run(
        [*git, "-C", str(root), "update-index", "--index-version", str(version)], check=True
    )
    entries = dict(gitindex.index_entries((root / ".git" / "index").read_bytes()))
    assert entries["vendor/lib"] == gitindex.GITLINK
    assert entries["README.md"] == 0o100644


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("[core]\n\tfsmonitor = touch /tmp/x\n", ["core.fsmonitor = touch /tmp/x"]),
        ("[core] sshCommand = \"sh -c 'id'\" ; note\n", ["core.sshCommand = sh -c 'id'"]),
        ('[alias]\n\tst = "!touch /tmp/x"\n\tco = checkout\n', ["alias.st = !touch /tmp/x"]),
        ('[diff "x"]\n\ttextconv = \\\n  evil\n', ["diff.x.textconv = evil"]),
        (
            '[filter "lfs"]\n\tclean = git-lfs clean -- %f\n',
            ["filter.lfs.clean = git-lfs clean -- %f"],
        ),
        ("[include]\n\tpath = ../planted\n", ["include.path = ../planted"]),
        ('[core]\n\tpager = less\n\teditor = vim\n[remote "origin"]\n\turl = x\n', []),
        ("fsmonitor = touch /tmp/x\n", ["line 1: fsmonitor = touch /tmp/x"]),
        ("[core\n\tfsmonitor = x\n", ["line 1: [core", "line 2: fsmonitor = x"]),
    ],
    ids=[
        "fsmonitor",
        "same-line-quoted",
        "shell-alias",
        "continued",
        "filter",
        "include",
        "harmless",
        "no-section",
        "bad-header",
    ],
)
def test_config_settings_that_run_programs_are_found(text: str, found: list[str]) -> None:
    assert gitindex.program_settings(text) == found
