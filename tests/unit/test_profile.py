from __future__ import annotations

from pathlib import Path

import pytest

from agentsh import profile as profiles
from agentsh.errors import ProfileError
from agentsh.paths import Dirs
from agentsh.profile import trust


@pytest.fixture
def dirs(tmp_path: Path) -> Dirs:
    return Dirs(
        home=str(tmp_path / "home"),
        config=str(tmp_path / "config"),
        state=str(tmp_path / "state"),
        runtime=str(tmp_path / "run"),
    )


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def _trust(dirs: Dirs, *paths: str) -> None:
    for path in paths:
        trust.trust(dirs.state, path, Path(path).read_bytes())


def test_builtin_default_alone(dirs: Dirs, tmp_path: Path) -> None:
    profile = profiles.load(profiles.discover(str(tmp_path), dirs), dirs)
    assert profile.network.mode == "none"
    assert ".env" in profile.secrets.hide
    assert "~/.ssh" in profile.secrets.paths
    assert profile.sources == (profiles.builtin_path("default"),)
    assert profile.origins["network.mode"].startswith(profiles.builtin_path("default") + ":")


def test_user_then_project_merge_lists_and_override_scalars(dirs: Dirs, tmp_path: Path) -> None:
    _write(
        Path(dirs.user_profile), "sandbox:\n  writable: [~/.cache/pip]\nnetwork:\n  mode: open\n"
    )
    project = tmp_path / "proj"
    project_file = _write(
        project / ".agentsh.yaml",
        "sandbox:\n  writable: [~/.npm]\nnetwork:\n  mode: none\nenv:\n  set:\n    CI: '1'\n",
    )
    (project / "deep" / "er").mkdir(parents=True)
    _trust(dirs, project_file)
    profile = profiles.load(profiles.discover(str(project / "deep" / "er"), dirs), dirs)
    assert profile.sandbox.writable == ("~/.claude/shell-snapshots", "~/.cache/pip", "~/.npm")
    assert profile.network.mode == "none"
    assert profile.env.set == (("CI", "1"),)
    assert profile.origins["network.mode"] == f"{project_file}:4"
    assert profile.origins["sandbox.writable\0~/.cache/pip"] == f"{dirs.user_profile}:2"
    assert profile.sources[-1] == project_file


def test_user_extends_strict_and_project_cannot_undo_it(dirs: Dirs, tmp_path: Path) -> None:
    _write(Path(dirs.user_profile), "extends: strict\n")
    project = tmp_path / "proj"
    _write(project / ".agentsh.yaml", "extends: default\n")
    profile = profiles.load(profiles.discover(str(project), dirs), dirs)
    assert profile.sandbox.home == "hidden"
    assert profile.sources[:2] == (
        profiles.builtin_path("default"),
        profiles.builtin_path("strict"),
    )


def test_extends_a_file_relative_to_the_profile(dirs: Dirs, tmp_path: Path) -> None:
    team = _write(tmp_path / "shared" / "team.yaml", "env:\n  pass: [TEAM_VAR]\n")
    project = tmp_path / "proj"
    top = _write(project / ".agentsh.yaml", "extends: ../shared/team.yaml\n")
    _trust(dirs, top)
    profile = profiles.load(profiles.discover(str(project), dirs), dirs)
    assert "TEAM_VAR" not in profile.env.pass_, "the file it extends is untrusted too"
    _trust(dirs, team)
    assert "TEAM_VAR" in profiles.load(profiles.discover(str(project), dirs), dirs).env.pass_


def test_extends_cycles_are_errors(dirs: Dirs, tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "extends: ./b.yaml\n")
    _write(tmp_path / "b.yaml", "extends: ./a.yaml\n")
    with pytest.raises(ProfileError, match="cycle"):
        profiles.load(profiles.explicit(str(tmp_path / "a.yaml")), dirs)


def test_cache_follows_every_edit(dirs: Dirs, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    path = project / ".agentsh.yaml"
    _write(path, "network:\n  mode: open\n")
    top = profiles.discover(str(project), dirs)
    untrusted = profiles.load(top, dirs)
    assert untrusted.network.mode == "none"
    assert untrusted.ignored == (f"{path}: network.mode (opens the network)",)
    assert list(Path(dirs.cache).glob("profile-*.marshal"))
    _trust(dirs, str(path))
    trusted = profiles.load(top, dirs)
    assert (trusted.network.mode, trusted.ignored) == ("open", ())
    path.write_text("network:\n  mode: open\nenv:\n  pass: [X]\n")
    assert profiles.load(top, dirs).network.mode == "none"
    path.write_text("network:\n  mode: none\n")
    assert profiles.load(top, dirs).network.mode == "none"
    path.write_text("network:\n  mode: nonsense\n")
    with pytest.raises(ProfileError):
        profiles.load(top, dirs)


def test_a_corrupt_cache_is_ignored(dirs: Dirs, tmp_path: Path) -> None:
    top = profiles.discover(str(tmp_path), dirs)
    profiles.load(top, dirs)
    for entry in Path(dirs.cache).glob("profile-*.marshal"):
        entry.write_bytes(b"\x00garbage")
    assert profiles.load(top, dirs).network.mode == "none"


def test_explicit_builtin_name(dirs: Dirs) -> None:
    assert profiles.load(profiles.explicit("strict"), dirs).sandbox.home == "hidden"


def test_empty_profile_is_the_default(dirs: Dirs, tmp_path: Path) -> None:
    _write(tmp_path / ".agentsh.yaml", "")
    assert profiles.load(profiles.discover(str(tmp_path), dirs), dirs).network.mode == "none"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- a\n- b\n", "expected a mapping"),
        ("a: 1\n---\nb: 2\n", "single YAML document"),
        ("sandbox:\n  writable: notalist\n", "expected a list"),
        ("sandbox:\n  home: {a: b}\n", "expected a single str value"),
        ("env:\n  set:\n    'bad name': x\n", "not an environment variable name"),
        ("env:\n  set:\n    X: [1]\n", "expected a single str value"),
        ("sandbox:\n  protected: [../outside]\n", "without '..'"),
        ("secrets:\n  skip_dirs: [a/b]\n", "single directory name"),
        ("secrets:\n  hide: ['/abs']\n", "put absolute paths in secrets.paths"),
        ("sandbox:\n  bwrap: relative\n", "user profile"),
        ("\t- tab\n", "broken YAML"),
        ("approval:\n  channels: [tty, email]\n", "unknown channel 'email'"),
        ("approval:\n  channels: console\n", "expected a list of channels"),
        ("approval:\n  channels: [tty, tty]\n", "listed twice"),
        ("approval:\n  timeout: 0\n", "above 0"),
        ("approval:\n  timeout: true\n", "whole number"),
        ("audit:\n  keep: 3\n", "user profile"),
    ],
)
def test_validation_errors(dirs: Dirs, tmp_path: Path, text: str, fragment: str) -> None:
    path = _write(tmp_path / ".agentsh.yaml", text)
    with pytest.raises(ProfileError) as error:
        profiles.load(profiles.discover(str(tmp_path), dirs), dirs)
    assert fragment in error.value.message
    assert error.value.message.startswith(f"profile error: {path}")


def test_non_utf8_profile(dirs: Dirs, tmp_path: Path) -> None:
    (tmp_path / ".agentsh.yaml").write_bytes(b"network:\n  mode: \xff\n")
    with pytest.raises(ProfileError, match="not UTF-8"):
        profiles.load(profiles.discover(str(tmp_path), dirs), dirs)


def test_restrict_keeps_only_what_tightens() -> None:
    values = {
        "rules": [
            {"match": ["rm"], "decision": "allow", "reason": "x"},
            {"match": ["make"], "decision": "confirm", "reason": "y"},
        ],
        "secrets": {"hide": ["*.key"], "reveal": [".env"], "skip_dirs": ["data"]},
        "env": {"pass": ["TOKEN"], "block": ["X"], "set": {"BASH_ENV": "evil"}},
        "sandbox": {"writable": ["~"], "protected": ["Makefile"], "home": "read-only"},
        "network": {"mode": "open"},
    }
    kept, dropped = trust.restrict(values)
    assert kept == {
        "rules": [{"match": ["make"], "decision": "confirm", "reason": "y"}],
        "secrets": {"hide": ["*.key"]},
        "env": {"block": ["X"]},
        "sandbox": {"protected": ["Makefile"]},
    }
    assert len(dropped) == 8


def test_approval_settings_replace_rather_than_add_up(dirs: Dirs, tmp_path: Path) -> None:
    default = profiles.load(profiles.discover(str(tmp_path), dirs), dirs)
    assert default.approval.channels == ("tty", "console") and default.approval.timeout == 120
    _write(Path(dirs.user_profile), "approval:\n  channels: [console, tty]\n  timeout: 30\n")
    _write(tmp_path / ".agentsh.yaml", "approval:\n  channels: [console]\n")
    _trust(dirs, str(tmp_path / ".agentsh.yaml"))
    merged = profiles.load(profiles.discover(str(tmp_path), dirs), dirs)
    assert merged.approval.channels == ("console",) and merged.approval.timeout == 30


def test_an_untrusted_project_cannot_turn_the_terminal_prompt_back_on(
    dirs: Dirs, tmp_path: Path
) -> None:
    _write(Path(dirs.user_profile), "approval:\n  channels: [console]\n")
    _write(tmp_path / ".agentsh.yaml", "approval:\n  channels: [tty, console]\n  timeout: 5\n")
    profile = profiles.load(profiles.discover(str(tmp_path), dirs), dirs)
    assert profile.approval.channels == ("console",) and profile.approval.timeout == 5
    assert any("approval.channels" in item for item in profile.ignored)
    _write(tmp_path / ".agentsh.yaml", "approval:\n  channels: []\n")
    assert profiles.load(profiles.discover(str(tmp_path), dirs), dirs).approval.channels == ()


def test_a_corrupt_trust_store_trusts_nothing(dirs: Dirs, tmp_path: Path) -> None:
    path = _write(tmp_path / ".agentsh.yaml", "network:\n  mode: open\n")
    _trust(dirs, path)
    Path(trust.store_path(dirs.state)).write_text("{not json")
    assert profiles.load(profiles.discover(str(tmp_path), dirs), dirs).network.mode == "none"


def test_an_untrusted_project_cannot_open_hosts_forwards_or_sockets() -> None:
    kept, dropped = trust.restrict(
        {
            "network": {
                "mode": "allowlist",
                "allow": ["api.prod.example.com"],
                "deny": ["metadata.google.internal"],
                "hosts": {"api.prod.example.com": "10.0.0.5"},
                "forward": ["127.0.0.1:5432"],
                "sockets": ["/run/postgresql"],
                "ask": True,
            }
        }
    )
    assert kept == {"network": {"deny": ["metadata.google.internal"], "ask": True}}
    assert len(dropped) == 5


def test_an_untrusted_project_cannot_show_the_projects_beside_it() -> None:
    kept, dropped = trust.restrict({"sandbox": {"other_projects": "visible"}})
    assert kept == {}
    assert dropped == ["sandbox.other_projects (shows the projects beside this one)"]
    assert trust.restrict({"sandbox": {"other_projects": "hidden"}}) == (
        {"sandbox": {"other_projects": "hidden"}},
        [],
    )
