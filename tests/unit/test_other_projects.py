"""Which folders beside the project, and in home, are hidden as other projects."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from agentsh import paths
from agentsh import profile as profiles
from agentsh.profile.model import Profile
from agentsh.records import replace
from agentsh.sandbox.discovery import SYSTEM_DIRS, other_projects
from agentsh.supervisor import Workspace


@pytest.fixture
def tree(base_dir: Path) -> Path:
    """{home/{code/{app,other},Documents,go,.cargo,notes.txt},srv/{app,api,.cache}} in a
    fresh folder outside /tmp (the sandbox's own /tmp is never searched)."""
    tmp_path = Path(tempfile.mkdtemp(dir=base_dir))
    for folder in (
        "home/code/app",
        "home/code/other",
        "home/Documents",
        "home/go/pkg",
        "home/.cargo",
        "srv/app/src",
        "srv/api",
        "srv/.cache",
    ):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "home" / "notes.txt").write_text("notes")
    return tmp_path


def _dirs(root: Path) -> paths.Dirs:
    """agentsh's directories, all in home's dot folders under `root`."""
    home = root / "home"
    return paths.dirs(
        {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home / ".run"),
            "XDG_STATE_HOME": str(home / ".state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
        }
    )


def _profile(root: Path, **sandbox: object) -> Profile:
    default = profiles.load(profiles.explicit("default"), _dirs(root))
    return replace(default, sandbox=replace(default.sandbox, **sandbox))


def _hidden(root: Path, project: Path, cwd: Path | None = None, **sandbox: object) -> set[str]:
    space = Workspace(str(cwd or project), str(project), True, _dirs(root))
    found = other_projects(space, _profile(root, **sandbox), {})
    assert all(item.is_dir for item in found)
    hidden = set()
    for item in found:
        if item.emptied:
            kept = {path for path, _ in item.keep}
            hidden |= {entry.path for entry in os.scandir(item.path) if entry.path not in kept}
        else:
            hidden.add(item.path)
    return {os.path.relpath(path, root) for path in hidden}


def test_in_home_the_siblings_and_homes_own_folders_are_hidden(tree: Path) -> None:
    assert _hidden(tree, tree / "home/code/app") == {"home/code/other", "home/Documents"}


def test_outside_home_the_siblings_are_hidden_and_home_keeps_its_tools(tree: Path) -> None:
    hidden = _hidden(tree, tree / "srv/app")
    assert {"srv/api", "srv/.cache", "home/code", "home/Documents"} <= hidden
    assert not hidden & {"srv/app", "home", "home/go", "home/.cargo", "home/notes.txt"}


def test_visible_and_writable_folders_and_the_cwd_stay(tree: Path) -> None:
    hidden = _hidden(
        tree,
        tree / "srv/app",
        cwd=tree / "home/code/other",
        home_visible=("~/Documents",),
        writable=(str(tree / "srv/api"),),
    )
    assert "srv/api" not in hidden and "home/Documents" not in hidden
    assert "home/code" not in hidden, "the cwd is inside it"


def test_a_symlinked_folder_is_left_alone(tree: Path) -> None:
    (tree / "home/elsewhere").symlink_to(tree / "srv/api")
    assert "home/elsewhere" not in _hidden(tree, tree / "home/code/app")


def test_nothing_is_hidden_when_the_project_holds_home_or_is_a_system_folder(
    tree: Path,
) -> None:
    assert _hidden(tree, tree) == set()
    assert "/usr" in SYSTEM_DIRS and "/srv" not in SYSTEM_DIRS


def test_nothing_is_hidden_in_the_sandboxs_own_tmp(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "other").mkdir()
    assert tmp_path.parts[1] == "tmp"
    assert "other" not in _hidden(tmp_path, tmp_path / "app")


def test_a_hidden_home_hides_nothing_more_in_it(tree: Path) -> None:
    hidden = _hidden(tree, tree / "srv/app", home="hidden")
    assert not any(path.startswith("home/") for path in hidden)


def test_a_socket_folder_the_profile_shows_stays(tree: Path) -> None:
    profile = _profile(tree)
    network = replace(profile.network, sockets=(str(tree / "srv/api/run"),))
    space = Workspace(str(tree / "srv/app"), str(tree / "srv/app"), True, _dirs(tree))
    found = other_projects(space, replace(profile, network=network), {})
    assert str(tree / "srv/api") not in {item.path for item in found}
    assert str(tree / "srv/.cache") in {item.path for item in found}


def test_a_writable_parent_shows_every_project_in_it(tree: Path) -> None:
    hidden = _hidden(tree, tree / "home/code/app", writable=("~/code",))
    assert hidden == {"home/Documents"}


def test_a_folder_of_many_projects_is_emptied_whole_keeping_files_and_links(
    tree: Path,
) -> None:
    """One tmpfs and a few binds cost less than a mask per project."""
    import socket

    for index in range(5):
        (tree / f"srv/other-{index}").mkdir()
    (tree / "srv/go.work").write_text("go 1.22\n")
    (tree / "srv/current").symlink_to("app")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tree / "srv/dev.sock"))
    try:
        space = Workspace(str(tree / "srv/app"), str(tree / "srv/app"), True, _dirs(tree))
        found = other_projects(space, _profile(tree), {})
    finally:
        server.close()
    (level,) = [item for item in found if item.emptied and item.path.startswith(str(tree))]
    assert level.path == str(tree / "srv")
    assert dict(level.keep) == {
        str(tree / "srv/app"): "",
        str(tree / "srv/go.work"): "",
        str(tree / "srv/current"): "app",
    }


def test_a_folder_on_path_stays(tree: Path) -> None:
    """A venv or toolchain beside the project, on the agent's PATH, is what it runs."""
    space = Workspace(str(tree / "srv/app"), str(tree / "srv/app"), True, _dirs(tree))
    found = other_projects(space, _profile(tree), {"PATH": f"{tree}/srv/api/bin:/usr/bin"})
    assert str(tree / "srv/api") not in {item.path for item in found}
    assert str(tree / "srv/.cache") in {item.path for item in found}
