"""`agentshctl install` / `uninstall`: the real command against a throwaway home.

Every agent is installed twice (the second run changes nothing and says so),
dry-run first (nothing changes), then uninstalled, after which the home holds
exactly the bytes it held before. Settings files that do not parse are refused
with the file and the position, and left as they were.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from agentsh.ctl import install
from tests.conftest import AGENTSH, AGENTSHCTL, Workspace

AUTOMATABLE = [agent for agent in install.AGENTS if agent != "openhands"]
STATE = Path(".local/state/agentsh")
Tree = dict[str, tuple[Any, ...]]


# Helpers ----------------------------------------------------------------------------------


def snapshot(home: Path) -> Tree:
    """Every file, link and directory under `home` except agentsh's own state directory
    (which keeps the backups) and the directories above it."""
    tree: Tree = {}
    state_and_above = {str(STATE), *(str(parent) for parent in STATE.parents)}
    for root, folders, files in os.walk(home):
        relative_root = Path(root).relative_to(home)
        if relative_root == STATE or STATE in relative_root.parents:
            folders[:] = []
            continue
        for name in folders + files:
            path = Path(root) / name
            key = str(relative_root / name)
            if key in state_and_above:
                continue
            if path.is_symlink():
                tree[key] = ("link", os.readlink(path))
            elif path.is_dir():
                tree[key] = ("dir",)
            else:
                tree[key] = ("file", path.read_bytes(), path.stat().st_mode & 0o777)
    return tree


def ctl(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    return subprocess.run(
        [AGENTSHCTL, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_files(home: Path) -> dict[str, Path]:
    config = home / ".config"
    return {
        "claude-code": home / ".claude" / "settings.json",
        "cursor": home / ".cursor" / "hooks.json",
        "cursor-settings": config / "Cursor" / "User" / "settings.json",
        "codex": home / ".codex" / "config.toml",
        "codex-hooks": home / ".codex" / "hooks.json",
        "gemini": home / ".gemini" / "settings.json",
        "vscode": config / "Code" / "User" / "settings.json",
    }


USER_SETTINGS = {
    # Each in its own style: indentation, key order, non-ASCII, no final newline.
    "claude-code": '{\n    "model": "opus",\n    "env": {\n        "NAME": "Zoë"\n    }\n}\n',
    "cursor": '{\n  "version": 1,\n  "hooks": {\n    "afterFileEdit": [{"command": "fmt"}]\n  }\n}',
    "cursor-settings": '{\n\t"editor.fontSize": 13\n}\n',
    "codex": '# mine\nmodel = "gpt-5"  # keep\n\n[features]\nweb_search = true\n\n[mcp_servers.x]\ncommand = "x"\n',
    "gemini": '{\n  "theme": "Dracula",\n  "hooks": {\n    "BeforeTool": []\n  }\n}\n',
    "vscode": '{\n\t"editor.fontSize": 14,\n\t"terminal.integrated.defaultProfile.linux": "zsh"\n}',
}


def seed(home: Path) -> None:
    files = settings_files(home)
    for name, text in USER_SETTINGS.items():
        files[name].parent.mkdir(parents=True, exist_ok=True)
        files[name].write_text(text)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def printed_backups(output: str) -> list[Path]:
    return [
        Path(line.rsplit(": ", 1)[1])
        for line in output.splitlines()
        if line.startswith("backup of ")
    ]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


# Every agent: dry run, install, idempotency, backups, byte-identical uninstall -------------


def _check_installed(agent: str, home: Path) -> None:
    files = settings_files(home)
    shim = home / ".local/share/agentsh/shims/bash"
    bash_link = home / ".local/bin/agentsh-bash"
    if agent == "claude-code":
        data = load_json(files["claude-code"])
        assert data["env"] == {"NAME": "Zoë", "CLAUDE_CODE_SHELL": str(bash_link)}
        (hook,) = data["hooks"]["PreToolUse"]
        assert hook["matcher"] == "Bash"
        assert hook["hooks"] == [{"type": "command", "command": f"{AGENTSHCTL} hook claude-code"}]
        assert os.readlink(bash_link) == AGENTSH
        assert "bash" in str(bash_link)
    elif agent == "cursor":
        data = load_json(files["cursor"])
        assert data["hooks"]["afterFileEdit"] == [{"command": "fmt"}]
        assert data["hooks"]["beforeShellExecution"] == [
            {"command": f"{AGENTSHCTL} hook cursor", "failClosed": True}
        ]
        settings = load_json(files["cursor-settings"])
        assert settings["terminal.integrated.defaultProfile.linux"] == "agentsh"
        assert settings["terminal.integrated.profiles.linux"]["agentsh"] == {"path": str(bash_link)}
        assert os.readlink(bash_link) == AGENTSH
        assert files["cursor-settings"].read_text().startswith('{\n\t"editor.fontSize": 13,\n\t"')
    elif agent == "codex":
        config = tomllib.loads(files["codex"].read_text())
        assert config["features"] == {"web_search": True, "hooks": True, "codex_hooks": True}
        assert files["codex"].read_text().startswith('# mine\nmodel = "gpt-5"  # keep\n')
        hooks = load_json(files["codex-hooks"])["hooks"]["PreToolUse"]
        assert hooks[0]["hooks"][0]["command"] == f"{AGENTSHCTL} hook codex"
        launcher = home / ".local/bin/agentsh-codex"
        assert os.access(launcher, os.X_OK)
        assert str(shim.parent) in launcher.read_text()
        assert os.readlink(shim) == AGENTSH
    elif agent == "gemini":
        data = load_json(files["gemini"])
        assert data["theme"] == "Dracula"
        (hook,) = data["hooks"]["BeforeTool"]
        assert hook["matcher"] == "run_shell_command"
        assert hook["hooks"][0]["command"] == f"{AGENTSHCTL} hook gemini"
        assert os.access(home / ".local/bin/agentsh-gemini", os.X_OK)
        assert os.readlink(shim) == AGENTSH
    elif agent == "aider":
        launcher = (home / ".local/bin/agentsh-aider").read_text()
        assert f"SHELL={bash_link}\n" in launcher
        assert launcher.endswith('exec aider "$@"\n')
        assert os.readlink(bash_link) == AGENTSH
    elif agent == "vscode":
        data = load_json(files["vscode"])
        assert data["editor.fontSize"] == 14
        assert data["terminal.integrated.defaultProfile.linux"] == "agentsh"
        assert data["terminal.integrated.profiles.linux"] == {"agentsh": {"path": str(bash_link)}}
        assert data["chat.tools.terminal.terminalProfile.linux"] == {"path": str(bash_link)}
        cline = home / "Documents/Cline/Hooks/PreToolUse"
        assert os.access(cline, os.X_OK)
        assert cline.read_text().endswith(f"exec {AGENTSHCTL} hook cline\n")


@pytest.mark.parametrize("agent", AUTOMATABLE)
def test_install_is_idempotent_backed_up_and_undone_byte_for_byte(agent: str, home: Path) -> None:
    seed(home)
    before = snapshot(home)

    dry = ctl(home, "install", "--dry-run", agent)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was changed" in dry.stdout
    assert " -> " in dry.stdout
    assert snapshot(home) == before

    first = ctl(home, "install", agent)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1].startswith("done.")
    _check_installed(agent, home)
    installed = snapshot(home)
    for backup in printed_backups(first.stdout):
        original = next(line for line in first.stdout.splitlines() if str(backup) in line)
        source = original.removeprefix("backup of ").split(" before the change")[0]
        assert backup.read_bytes() == before[str(Path(source).relative_to(home))][1]
    assert (home / STATE / "installs" / f"{agent}.json").is_file()

    second = ctl(home, "install", agent)
    assert second.returncode == 0, second.stderr
    assert "already installed" in second.stdout and "nothing changed" in second.stdout
    assert snapshot(home) == installed

    dry_undo = ctl(home, "uninstall", "--dry-run", agent)
    assert dry_undo.returncode == 0, dry_undo.stderr
    assert "dry run: nothing was changed" in dry_undo.stdout
    assert snapshot(home) == installed

    undo = ctl(home, "uninstall", agent)
    assert undo.returncode == 0, undo.stderr
    assert snapshot(home) == before
    assert not (home / STATE / "installs" / f"{agent}.json").exists()

    again = ctl(home, "uninstall", agent)
    assert again.returncode == 0
    assert "nothing to undo" in again.stdout


@pytest.mark.parametrize("agent", AUTOMATABLE)
def test_install_into_an_empty_home_and_back(agent: str, home: Path) -> None:
    result = ctl(home, "install", agent)
    assert result.returncode == 0, result.stderr
    assert "(new file)" in result.stdout or agent == "aider"
    assert printed_backups(result.stdout) == []
    assert ctl(home, "uninstall", agent).returncode == 0
    assert snapshot(home) == {}


def test_install_prints_file_key_old_and_new(home: Path) -> None:
    seed(home)
    result = ctl(home, "install", "vscode")
    settings = settings_files(home)["vscode"]
    lines = result.stdout.splitlines()
    assert f"  {settings}" in lines
    assert '      "terminal.integrated.defaultProfile.linux": "zsh" -> "agentsh"' in lines
    assert (
        '      "terminal.integrated.profiles.linux".agentsh: (absent) -> '
        f'{{"path": "{home}/.local/bin/agentsh-bash"}}'
    ) in lines
    assert f"  {home}/.local/bin/agentsh-bash: (absent) -> link to {AGENTSH}" in lines


# Uninstall leaves alone what the user changed -----------------------------------------------


def test_uninstall_keeps_what_the_user_changed_since(home: Path) -> None:
    seed(home)
    assert ctl(home, "install", "claude-code").returncode == 0
    settings = settings_files(home)["claude-code"]
    data = load_json(settings)
    data["model"] = "sonnet"
    data["env"]["CLAUDE_CODE_SHELL"] = "/bin/zsh"
    data["hooks"]["PreToolUse"].insert(0, {"matcher": "Edit", "hooks": []})
    settings.write_text(json.dumps(data, indent=4, ensure_ascii=False) + "\n")

    result = ctl(home, "uninstall", "claude-code")
    assert result.returncode == 0, result.stderr
    assert 'env.CLAUDE_CODE_SHELL is now "/bin/zsh", not agentsh\'s value: left alone' in (
        result.stdout
    )
    assert load_json(settings) == {
        "model": "sonnet",
        "env": {"NAME": "Zoë", "CLAUDE_CODE_SHELL": "/bin/zsh"},
        "hooks": {"PreToolUse": [{"matcher": "Edit", "hooks": []}]},
    }
    assert not (home / ".local/bin/agentsh-bash").exists()


def test_uninstall_of_an_edited_config_toml_removes_only_agentsh_lines(home: Path) -> None:
    seed(home)
    assert ctl(home, "install", "codex").returncode == 0
    config = settings_files(home)["codex"]
    config.write_text(config.read_text().replace("web_search = true", "web_search = false"))
    assert ctl(home, "uninstall", "codex").returncode == 0
    assert config.read_text() == USER_SETTINGS["codex"].replace("= true", "= false")


def test_a_link_the_user_replaced_is_left_alone(home: Path) -> None:
    assert ctl(home, "install", "aider").returncode == 0
    link = home / ".local/bin/agentsh-bash"
    link.unlink()
    link.symlink_to("/bin/bash")
    result = ctl(home, "uninstall", "aider")
    assert result.returncode == 0
    assert f"left alone: {link}: changed since agentsh made it" in result.stdout
    assert os.readlink(link) == "/bin/bash"


def test_a_shared_shim_stays_while_another_agent_uses_it(home: Path) -> None:
    shim = home / ".local/share/agentsh/shims/bash"
    assert ctl(home, "install", "codex").returncode == 0
    assert ctl(home, "install", "gemini").returncode == 0
    first = ctl(home, "uninstall", "codex")
    assert f"left alone: {shim}: still used by gemini" in first.stdout
    assert os.readlink(shim) == AGENTSH
    assert ctl(home, "uninstall", "gemini").returncode == 0
    assert not shim.exists()
    assert not (home / ".local/share").exists()


def test_a_moved_agentshctl_entry_is_replaced_not_duplicated(home: Path) -> None:
    settings = settings_files(home)["claude-code"]
    settings.parent.mkdir(parents=True)
    stale = {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": "/old/venv/bin/agentshctl hook claude-code"}],
    }
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [stale]}}, indent=2) + "\n")
    result = ctl(home, "install", "claude-code")
    assert result.returncode == 0, result.stderr
    (hook,) = load_json(settings)["hooks"]["PreToolUse"]
    assert hook["hooks"][0]["command"] == f"{AGENTSHCTL} hook claude-code"
    assert "/old/venv/bin/agentshctl" in result.stdout


# Refusals: nothing changes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "name", "text", "where"),
    [
        ("claude-code", "claude-code", '{\n  "env": {\n    "A": 1,\n  }\n}\n', "line 4, column 3"),
        ("gemini", "gemini", '{"theme": "x"', "line 1, column 14"),
        ("cursor", "cursor", "[1, 2]\n", "holds a JSON list, not an object"),
        ("codex", "codex", "[features]\nhooks = \n", "line 2, column 9"),
        ("vscode", "vscode", '{\n\t// mine\n\t"a": 1\n}\n', "line 2, column 2"),
    ],
)
def test_a_settings_file_that_does_not_parse_is_refused_and_untouched(
    agent: str, name: str, text: str, where: str, home: Path
) -> None:
    path = settings_files(home)[name]
    path.parent.mkdir(parents=True)
    path.write_text(text)
    before = snapshot(home)
    result = ctl(home, "install", agent)
    assert result.returncode == 1
    assert str(path) in result.stderr and where in result.stderr
    assert "nothing was changed" in result.stderr
    assert snapshot(home) == before


def test_vscode_settings_with_comments_get_the_settings_to_add_by_hand(home: Path) -> None:
    path = settings_files(home)["vscode"]
    path.parent.mkdir(parents=True)
    path.write_text('{\n\t// mine\n\t"a": 1\n}\n')
    result = ctl(home, "install", "vscode")
    assert "comments" in result.stderr
    assert '"terminal.integrated.defaultProfile.linux": "agentsh"' in result.stderr


def test_a_file_in_the_way_of_a_link_stops_the_install(home: Path) -> None:
    settings = settings_files(home)["claude-code"]
    settings.parent.mkdir(parents=True)
    settings.write_text("{}\n")
    (home / ".local/bin").mkdir(parents=True)
    (home / ".local/bin/agentsh-bash").write_text("#!/bin/sh\n")
    before = snapshot(home)
    result = ctl(home, "install", "claude-code")
    assert result.returncode == 1
    assert f"{home}/.local/bin/agentsh-bash is already a file" in result.stderr
    assert snapshot(home) == before


def test_someone_elses_cline_hook_is_kept_and_reported(home: Path) -> None:
    hook = home / "Documents/Cline/Hooks/PreToolUse"
    hook.parent.mkdir(parents=True)
    hook.write_text("#!/bin/sh\necho '{\"cancel\": false}'\n")
    result = ctl(home, "install", "vscode")
    assert result.returncode == 0, result.stderr
    assert f"warning: {hook} is already a file agentsh did not write: left alone" in result.stdout
    assert hook.read_text() == "#!/bin/sh\necho '{\"cancel\": false}'\n"
    assert ctl(home, "uninstall", "vscode").returncode == 0
    assert hook.read_text() == "#!/bin/sh\necho '{\"cancel\": false}'\n"


def test_openhands_is_not_automatable(home: Path) -> None:
    result = ctl(home, "install", "openhands")
    assert result.returncode == install.NOT_AUTOMATABLE
    assert "not automatable:" in result.stderr
    assert "shell_path=" in result.stdout
    assert snapshot(home) == {}
    assert ctl(home, "uninstall", "openhands").returncode == 0


def test_settings_dirs_follow_the_agents_environment_variables(home: Path, tmp_path: Path) -> None:
    claude = tmp_path / "claude-config"
    codex = tmp_path / "codex-home"
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex)}
    assert ctl(home, "install", "claude-code", env=env).returncode == 0
    assert ctl(home, "install", "codex", env=env).returncode == 0
    assert (claude / "settings.json").is_file()
    assert (codex / "hooks.json").is_file() and (codex / "config.toml").is_file()
    assert not (home / ".claude").exists() and not (home / ".codex").exists()


@pytest.mark.parametrize(
    ("version_output", "warning"),
    [
        ("codex-cli 0.131.0", None),
        ("codex-cli 0.150.1", None),
        ("codex-cli 0.130.0", "codex-cli 0.130.0 runs the original command when a hook rewrites"),
        ("something else", "cannot tell which Codex is installed (its `--version` names none)"),
        (None, "cannot tell which Codex is installed (no `codex` on PATH)"),
    ],
)
def test_install_codex_warns_unless_codex_runs_the_hooks_rewrite(
    home: Path, tmp_path: Path, version_output: str | None, warning: str | None
) -> None:
    """The hook hands commands to agentsh through `updatedInput`, which Codex applies from
    0.131.0 on; the install reads `codex --version` and says so for anything else."""
    folder = tmp_path / "bin"
    folder.mkdir()
    if version_output is not None:
        codex = folder / "codex"
        codex.write_text(f'#!/bin/sh\n[ "$1" = --version ] && echo "{version_output}"\n')
        codex.chmod(0o755)
    result = ctl(home, "install", "codex", "--dry-run", env={"PATH": f"{folder}:/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    about_the_version = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("warning:") and "0.131.0" in line
    ]
    if warning is None:
        assert about_the_version == []
    else:
        (line,) = about_the_version
        assert line.startswith(f"warning: {warning}")


# The links agentsh is started through --------------------------------------------------------


def test_agentsh_answers_version_through_its_bash_named_links(home: Path) -> None:
    assert ctl(home, "install", "claude-code").returncode == 0
    assert ctl(home, "install", "gemini").returncode == 0
    for link in (home / ".local/bin/agentsh-bash", home / ".local/share/agentsh/shims/bash"):
        result = subprocess.run(
            [str(link), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 0
        assert "bash" in result.stdout and "agentsh" in result.stdout


@pytest.mark.sandbox
def test_through_the_launcher_bash_is_agentsh_and_inside_it_is_the_real_bash(
    ws: Workspace,
) -> None:
    """What Codex and Gemini do: run `bash -lc` found on PATH. The launcher makes that
    agentsh; inside the sandbox the shim is gone from PATH, so a nested bash is real."""
    env = {**ws.env, "HOME": str(ws.home)}
    env = {key: value for key, value in env.items() if not key.startswith("XDG_DATA")}
    result = subprocess.run(
        [AGENTSHCTL, "install", "codex"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    fake_codex = ws.root / "bin" / "codex"
    fake_codex.parent.mkdir()
    fake_codex.write_text(
        "#!/bin/sh\n"
        'exec bash -c \'echo "agentsh=${AGENTSH:-no}"; command -v bash; echo "PATH=$PATH"; '
        "cat .env'\n"
    )
    fake_codex.chmod(0o755)
    env["PATH"] = f"{fake_codex.parent}:{env['PATH']}"
    run = subprocess.run(
        [str(ws.home / ".local/bin/agentsh-codex")],
        cwd=ws.project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,
    )
    shims = str(ws.home / ".local/share/agentsh/shims")
    lines = run.stdout.splitlines()
    assert lines[0] == "agentsh=1", run.stderr
    assert lines[1] in ("/usr/bin/bash", "/bin/bash", "/usr/local/bin/bash")
    assert lines[2].startswith("PATH=") and shims not in lines[2]
    assert "sk_live" not in run.stdout


# The pieces, in process -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{\n\t"a": 1,\n\t"b": [\n\t\t1,\n\t\t2\n\t]\n}',
        '{\n  "a": "é"\n}\n',
        '{\n    "a": {\n        "b": null\n    }\n}\n',
        '{"a": 1, "b": [1, 2]}',
    ],
)
def test_json_is_written_back_in_its_own_style(text: str) -> None:
    assert install.dump_json(json.loads(text), install.json_style(text)) == text


def test_json_edits_and_their_reversal() -> None:
    data: dict[str, Any] = {"env": {"A": "1"}, "hooks": {"Other": []}}
    original = json.loads(json.dumps(data))
    edits = [
        install.SetKey(("env", "SHELL_X"), "/x"),
        install.SetKey(("top",), {"k": 1}),
        install.AddEntry(("hooks", "Pre", "list"), {"command": "c"}, lambda entry: False),
    ]
    records = install.apply_edits("f.json", data, edits)
    assert data["hooks"]["Pre"] == {"list": [{"command": "c"}]}
    assert [r["created"] for r in records] == [[], [], [["hooks", "Pre"], ["hooks", "Pre", "list"]]]
    assert install.apply_edits("f.json", data, edits) == []
    changes, left = install.revert_edits(data, records)
    assert data == original and left == []
    assert [change.where for change in changes] == ["hooks.Pre.list[-]", "top", "env.SHELL_X"]


def test_a_json_value_of_the_wrong_type_is_not_replaced() -> None:
    with pytest.raises(install.InstallError, match=r"f.json: env is a JSON str, not an object"):
        install.apply_edits("f.json", {"env": "x"}, [install.SetKey(("env", "A"), "1")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "[features]\nhooks = true\ncodex_hooks = true\n"),
        ('model = "m"', 'model = "m"\n\n[features]\nhooks = true\ncodex_hooks = true\n'),
        (
            "[features]\nhooks = false # off\n[x]\na = 1\n",
            "[features]\nhooks = true # off\ncodex_hooks = true\n[x]\na = 1\n",
        ),
        (
            "[features]\n# note\nweb = true\n\n[x]\n",
            "[features]\n# note\nweb = true\nhooks = true\ncodex_hooks = true\n\n[x]\n",
        ),
    ],
)
def test_config_toml_is_edited_line_by_line_and_reverted(text: str, expected: str) -> None:
    edits = [
        install.SetKey(("features", "hooks"), True),
        install.SetKey(("features", "codex_hooks"), True),
    ]
    new_text, records = install.toml_edit("config.toml", text, edits)
    assert new_text == expected
    reverted, _, left = install.toml_revert("config.toml", new_text, records)
    assert left == []
    assert tomllib.loads(reverted) == tomllib.loads(text)
    if not text.startswith("[features]"):
        assert reverted.rstrip("\n") == text.rstrip("\n")


def test_config_toml_with_dotted_feature_keys_is_refused() -> None:
    with pytest.raises(install.InstallError, match="plain line edit"):
        install.toml_edit(
            "config.toml", "features.web = true\n", [install.SetKey(("features", "hooks"), True)]
        )


def test_the_default_profile_protects_the_agents_project_settings(home: Path) -> None:
    from agentsh import paths
    from agentsh import profile as profiles

    dirs = paths.dirs({"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")})
    default = [(profiles.builtin_path("default"), "builtin")]
    protected = set(profiles.load(default, dirs).sandbox.protected)
    for path in (
        ".claude/settings.json",
        ".claude/hooks",
        ".cursor/hooks.json",
        ".codex/config.toml",
        ".codex/hooks.json",
        ".gemini/settings.json",
        ".vscode/settings.json",
        ".vscode/mcp.json",
        ".clinerules/hooks",
        ".aider.conf.yml",
        ".openhands/setup.sh",
    ):
        assert path in protected


@pytest.mark.sandbox
@pytest.mark.parametrize(
    "path",
    [".codex/config.toml", ".cursor/hooks.json", ".aider.conf.yml", ".clinerules/hooks/PreToolUse"],
)
def test_agent_settings_in_the_project_are_read_only_inside_the_sandbox(
    ws: Workspace, path: str
) -> None:
    ws.user_profile("", policy_off=True)
    target = ws.project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("original\n")
    ws.run("-c", f"echo evil >> {path}; printf evil > {path}; rm -f {path}; mv {path} x")
    assert target.read_text() == "original\n"


@pytest.mark.sandbox
def test_a_hooks_directory_a_command_creates_is_moved_aside(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run("-c", "mkdir -p .claude/hooks && echo evil > .claude/hooks/guard.sh")
    assert not (ws.project / ".claude/hooks").exists()
    assert (ws.project / ".claude/hooks.agentsh-blocked/guard.sh").is_file(), result.stderr
