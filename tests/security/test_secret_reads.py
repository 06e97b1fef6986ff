"""Attempts to read hidden files by other names and paths: links, traversal, /proc, git, mounts."""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from agentsh.sandbox.discovery import SYMLINK_SEARCH_LIMIT
from tests.conftest import AGENTSH, SECRET, Workspace, needs_git
from tests.security.conftest import (
    NOTICE,
    assert_nothing_leaked,
    both_layers,
    escape,
    setup_layers,
    states,
    write_script,
)

HIDDEN_FILES = [".env", "sub/dir/.env.production", "deploy.pem", "~/.aws/credentials"]


def _host_path(ws: Workspace, path: str) -> Path:
    return ws.home / path[2:] if path.startswith("~/") else ws.project / path


def _secrets_on_host(ws: Workspace) -> list[Path]:
    return [
        ws.project / ".env",
        ws.project / "sub" / "dir" / ".env.production",
        ws.project / "deploy.pem",
        ws.home / ".aws" / "credentials",
        ws.home / ".ssh" / "id_ed25519",
        ws.home / ".bash_history",
    ]


@both_layers
@pytest.mark.parametrize("target", [*HIDDEN_FILES, "~/.bash_history"])
def test_symlink_made_inside_to_a_hidden_file_leaks_nothing(
    ws: Workspace, target: str, policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    result = ws.run("-c", f"ln -s {target} innocent.txt; cat innocent.txt")
    assert_nothing_leaked(result)


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
@pytest.mark.parametrize("target", HIDDEN_FILES)
def test_symlink_made_on_the_host_to_a_hidden_file_leaks_nothing(
    ws: Workspace, target: str, relative: bool
) -> None:
    ws.user_profile("", policy_off=True)
    link = ws.project / "notes" / "innocent.txt"
    link.parent.mkdir()
    destination = _host_path(ws, target)
    link.symlink_to(os.path.relpath(destination, link.parent) if relative else destination)
    result = ws.run(
        "-c", "cat notes/innocent.txt; python3 -c 'print(open(\"notes/innocent.txt\").read())'"
    )
    assert_nothing_leaked(result)
    assert NOTICE in result.stdout


def test_symlink_made_on_the_host_to_a_hidden_directory_leaks_nothing(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    (ws.project / "keys").symlink_to(ws.home / ".ssh")
    (ws.project / "cloud").symlink_to(ws.home / ".railway")
    result = ws.run(
        "-c", "ls -A keys/ cloud/; cat keys/id_ed25519 cloud/config.json; grep -r . keys/ cloud/"
    )
    assert_nothing_leaked(result)
    assert "id_ed25519" not in result.stdout


@pytest.mark.parametrize(
    ("secret", "real"),
    [
        (".env", "../shared/app-settings"),
        ("deploy.pem", "config/signing.txt"),
        ("~/.aws/credentials", "~/dotfiles/aws/credentials"),
        ("~/.ssh/id_ed25519", "~/dotfiles/ssh/id_ed25519"),
        ("~/.ssh", "~/dotfiles/ssh"),
        ("~/.ssh/keys/work_ed25519", "~/dotfiles/ssh-keys/work_ed25519"),
        ("~/.ssh/a/b/c/work.txt", "~/dotfiles/ssh/work.txt"),
        ("~/.ssh/keys", "~/dotfiles/ssh-keys"),
        ("~/.kube/config", "~/dotfiles/kube/config"),
    ],
)
@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
def test_secret_that_is_a_symlink_leaks_nothing_at_its_target(
    ws: Workspace, secret: str, real: str, relative: bool
) -> None:
    ws.user_profile("", policy_off=True)
    link, target = _host_path(ws, secret), _host_path(ws, real)
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        if "." in link.name:
            link.write_text(f"token: {SECRET}\n")
        else:
            link.mkdir()
            (link / "id_ed25519").write_text(SECRET)
    target.parent.mkdir(parents=True, exist_ok=True)
    link.rename(target)
    link.symlink_to(os.path.relpath(target, link.parent) if relative else target.resolve())
    result = ws.run("-c", f"cat {secret}; cat {real}; grep -rs sk_live ~ {ws.project.parent}")
    assert_nothing_leaked(result)


@both_layers
@pytest.mark.parametrize("target", [".env", "sub/dir/.env.production", "~/.aws/credentials"])
def test_hardlink_made_inside_to_a_hidden_file_is_refused(
    ws: Workspace, target: str, policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    result = ws.run(
        "-c",
        f"ln {target} hard.txt; ln -f {target} hard.txt; "
        f'python3 -c \'import os; os.link(os.path.expanduser("{target}"), "hard2.txt")\'; '
        "cat hard.txt hard2.txt",
    )
    assert_nothing_leaked(result)
    assert not (ws.project / "hard.txt").exists()
    assert not (ws.project / "hard2.txt").exists()


@pytest.mark.parametrize(
    ("target", "link"),
    [
        (".env", "notes/innocent.txt"),
        ("~/.aws/credentials", "notes/innocent.txt"),
        (".env", "~/backup/app-settings.txt"),
        ("~/.aws/credentials", "{sibling}/creds-copy.txt"),
    ],
    ids=["env-in-project", "aws-in-project", "env-in-home", "aws-in-sibling"],
)
def test_hardlink_made_on_the_host_to_a_hidden_file_leaks_nothing(
    ws: Workspace, target: str, link: str
) -> None:
    ws.user_profile("", policy_off=True)
    linked = _host_path(ws, link.format(sibling=ws.sibling))
    linked.parent.mkdir(parents=True, exist_ok=True)
    os.link(_host_path(ws, target), linked)
    result = ws.run("-c", f"cat {linked}")
    assert_nothing_leaked(result)


@pytest.mark.parametrize("target", [".env", "~/.aws/credentials"])
def test_hardlink_out_of_agentshs_search_refuses_the_command(ws: Workspace, target: str) -> None:
    """/var/tmp is shared, so it is not searched: the link stays unaccounted for."""
    ws.user_profile("", policy_off=True)
    secret = _host_path(ws, target)
    linked = Path("/var/tmp") / f"agentsh-stray-link-{os.getpid()}-{os.urandom(4).hex()}"
    os.link(secret, linked)
    try:
        result = ws.run("-c", f"cat {linked}; echo ran")
    finally:
        linked.unlink()
    assert_nothing_leaked(result)
    assert result.returncode == 126
    assert "ran" not in result.stdout
    assert str(secret.resolve()) in result.stderr
    assert "-samefile" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert ws.run("-c", "echo ran").stdout == "ran\n"


def test_symlinks_past_the_search_limit_are_warned_about_once(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    bulk = ws.home / ".ssh" / "cache"
    bulk.mkdir()
    for index in range(SYMLINK_SEARCH_LIMIT + 100):
        (bulk / str(index)).write_text("")
    (bulk / "0.d").mkdir()
    (bulk / "0.d" / "key").symlink_to(ws.home / "notes.txt")
    first, second = ws.run("-c", "cat ~/notes.txt"), ws.run("-c", "cat ~/notes.txt")
    assert "were not followed" in first.stderr
    assert str(ws.home / ".ssh") in first.stderr
    assert "were not followed" not in second.stderr
    assert second.stdout == "plain notes\n"


@pytest.mark.parametrize(
    ("cwd", "path"),
    [
        ("sub/dir", "../../.env"),
        ("sub/dir", "../.././sub/dir/.env.production"),
        ("", "../project/.env"),
        ("", "sub/../.env"),
        ("", ".//.env"),
        ("", "../../home/.aws/credentials"),
        ("", "~/../home/.aws/credentials"),
        ("", "/proc/self/root{project}/.env"),
        ("", "/proc/1/root{project}/.env"),
        ("", "/proc/self/cwd/.env"),
        ("", "/proc/thread-self/root{home}/.aws/credentials"),
        ("", "/dev/fd/../root{home}/.aws/credentials"),
        ("", "/proc/self/root{home}/.ssh/id_ed25519"),
        ("", "/proc/1/cwd/deploy.pem"),
    ],
)
def test_traversal_to_a_hidden_path_leaks_nothing(ws: Workspace, cwd: str, path: str) -> None:
    ws.user_profile("", policy_off=True)
    resolved = path.format(project=ws.project, home=ws.home)
    result = ws.run("-c", f"cat {resolved}; head -c 4096 {resolved}", cwd=ws.project / cwd)
    assert_nothing_leaked(result)


@both_layers
@pytest.mark.parametrize(
    "attack",
    [
        "rm -f .env",
        "unlink ~/.aws/credentials",
        "rm -rf ~/.ssh ~/.aws",
        "find . -name '.env*' -delete",
        "mv deploy.pem deploy.txt",
        "cp README.md .env",
        "echo replaced | tee sub/dir/.env.production",
        "truncate -s 0 ~/.bash_history",
        'python3 -c \'import os; os.replace("README.md", ".env")\'',
        "python3 -c 'import shutil; shutil.rmtree(\"sub\")'",
    ],
)
def test_hidden_files_cannot_be_deleted_or_replaced(
    ws: Workspace, attack: str, policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    before = states(*_secrets_on_host(ws))
    result = ws.run("-c", attack)
    assert_nothing_leaked(result)
    assert states(*_secrets_on_host(ws)) == before


UNMOUNT = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for target in (".env", os.path.expanduser("~/.aws/credentials"), os.path.expanduser("~/.ssh")):
    for flags in (0, 2, 8):
        if libc.umount2(target.encode(), flags) == 0:
            print("unmounted", target)
print(open(".env").read(), open(os.path.expanduser("~/.aws/credentials")).read())
"""


@both_layers
def test_unmounting_a_notice_is_refused(ws: Workspace, policy_off: bool) -> None:
    setup_layers(ws, policy_off)
    script = write_script(ws, "unmount.py", UNMOUNT)
    result = ws.run("-c", f"umount .env; umount -l ~/.aws/credentials; {script}; cat .env")
    assert_nothing_leaked(result)
    assert "unmounted" not in result.stdout


def test_mounting_over_a_notice_is_refused(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run(
        "-c",
        "mount --bind /dev/null .env; mount -t tmpfs none ~/.ssh; "
        "mount --move ~/.aws/credentials /tmp/x; cat .env; ls -A ~/.ssh",
    )
    assert_nothing_leaked(result)
    assert result.stdout.startswith(NOTICE)
    assert "id_ed25519" not in result.stdout


@pytest.mark.parametrize(
    "where",
    [
        "{home}",
        "{parent}",
        "{parent}/..",
        "{sibling}",
        "{home}/code/other-app",
        "{parent}/../elsewhere/app",
    ],
    ids=["home", "parent", "grandparent", "sibling", "home-subdir", "cousin"],
)
def test_dotenv_outside_the_project_leaks_nothing(ws: Workspace, where: str) -> None:
    ws.user_profile("", policy_off=True)
    folder = Path(where.format(home=ws.home, parent=ws.project.parent, sibling=ws.sibling))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text(f"STRIPE_KEY={SECRET}\n")
    result = ws.run("-c", f"cat {folder}/.env")
    assert_nothing_leaked(result)


GIT_CREDENTIALS = [
    pytest.param(
        ".git/config",
        "remote.origin.url",
        "https://x-access-token:{s}@git.example.com/a.git",
        id="remote-url",
    ),
    pytest.param(
        ".git/config", "remote.origin.url", "https://{s}@git.example.com/a.git", id="token-as-user"
    ),
    pytest.param(
        ".git/config",
        "remote.origin.pushurl",
        "ssh://deploy:{s}@git.example.com/a.git",
        id="ssh-pushurl",
    ),
    pytest.param(
        ".git/config",
        "url.https://x:{s}@github.com/.insteadOf",
        "https://github.com/",
        id="insteadof",
    ),
    pytest.param(
        ".git/config",
        "http.https://github.com/.extraheader",
        "AUTHORIZATION: basic {s}",
        id="extraheader",
    ),
    pytest.param(
        ".git/config",
        "credential.helper",
        "!f() {{ echo username=x; echo password={s}; }}; f",
        id="inline-credential-helper",
    ),
    pytest.param(
        ".git/modules/lib/config",
        "remote.origin.url",
        "https://x:{s}@git.example.com/lib.git",
        id="submodule-config",
    ),
    pytest.param(
        "~/.gitconfig",
        "url.https://x:{s}@github.com/.insteadOf",
        "https://github.com/",
        id="global-gitconfig",
    ),
]


@needs_git
@pytest.mark.parametrize(("file", "key", "value"), GIT_CREDENTIALS)
def test_git_credentials_in_config_leak_nothing(
    ws: Workspace, file: str, key: str, value: str
) -> None:
    ws.user_profile("", policy_off=True)
    config = _host_path(ws, file)
    config.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "config", "--file", str(config), key.format(s=SECRET), value.format(s=SECRET)],
        check=True,
    )
    result = ws.run("-c", f"cat {file}; git config --list --show-origin; git remote -v")
    assert_nothing_leaked(result)


HISTORY_UNMASKABLE = pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="KNOWN LIMIT: git's object store cannot be masked; agentsh warns that git tracks "
    "the hidden file, and its policy stops git commands that would print it",
)


@needs_git
@pytest.mark.parametrize(
    "policy_off",
    [pytest.param(True, marks=HISTORY_UNMASKABLE, id="sandbox-alone"), False],
    ids=["sandbox-alone", "with-policy"],
)
@pytest.mark.parametrize(
    ("staged_only", "command"),
    [
        (False, "git show HEAD:.env"),
        (True, "git show :.env"),
        (False, "git log -p"),
        (True, "git diff --cached"),
    ],
    ids=["committed", "staged", "log-patch", "diff-cached"],
)
def test_committed_dotenv_leaks_nothing_through_git(
    ws: Workspace, staged_only: bool, command: str, policy_off: bool
) -> None:
    setup_layers(ws, policy_off)
    git = ["git", "-C", str(ws.project)]
    subprocess.run([*git, "add", "-f", ".env"], check=True)
    if not staged_only:
        subprocess.run(
            [*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "env"],
            check=True,
        )
    result = ws.run("-c", command)
    assert_nothing_leaked(result)


def test_host_shared_memory_is_not_shared(ws: Workspace) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm on this host")
    planted = shm / f"agentsh-escape-{os.getpid()}"
    planted.write_text(SECRET)
    try:
        ws.user_profile("", policy_off=True)
        result = ws.run("-c", f"ls -A /dev/shm; cat {planted}; grep -r . /dev/shm")
    finally:
        planted.unlink()
    assert_nothing_leaked(result)
    assert planted.name not in result.stdout


def test_raw_block_devices_are_absent(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    result = ws.run("-c", "find /dev -type b")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


@escape(
    "a secret file created while a command runs (a long-lived dev server, "
    "a background job) is readable by it; files are masked only when the command starts"
)
def test_secret_created_while_a_command_runs_leaks_nothing(ws: Workspace) -> None:
    ws.user_profile("", policy_off=True)
    agent = subprocess.Popen(
        [
            AGENTSH,
            "-c",
            "echo ready; while [ ! -s sub/.env.local ]; do sleep 0.05; done; cat sub/.env.local",
        ],
        cwd=ws.project,
        env=ws.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert agent.stdout is not None
        assert agent.stdout.readline() == "ready\n"
        created = ws.project / "sub" / ".env.local"
        created.with_suffix(".tmp").write_text(f"STRIPE_KEY={SECRET}\n")
        created.with_suffix(".tmp").rename(created)
        out, err = agent.communicate(timeout=30)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(10)
    assert_nothing_leaked(subprocess.CompletedProcess(agent.args, agent.returncode, out, err))


KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}
"""(add_key, keyctl) system call numbers."""
READ_KEY = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keyctl = int(sys.argv[1])
key = libc.syscall(keyctl, 10, -3, b"user", b"agentsh-escape", 0)
buffer = ctypes.create_string_buffer(256)
size = libc.syscall(keyctl, 11, ctypes.c_long(key), buffer, 256)
print("key", key, "read", buffer.raw[: max(size, 0)].decode(errors="replace"))
"""


def _session_keyring_with_secret() -> None:
    add_key, keyctl = KEYCTL[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.syscall(keyctl, 1, None)
    payload = SECRET.encode()
    libc.syscall(add_key, b"user", b"agentsh-escape", payload, len(payload), -3)


def test_session_keyring_leaks_nothing(ws: Workspace) -> None:
    if platform.machine() not in KEYCTL:
        pytest.skip(f"no keyctl system call numbers for {platform.machine()}")
    ws.user_profile("", policy_off=True)
    script = write_script(ws, "read_key.py", READ_KEY)
    keyctl = str(KEYCTL[platform.machine()][1])
    control = subprocess.run(
        [sys.executable, str(ws.project / "read_key.py"), keyctl],
        capture_output=True,
        text=True,
        preexec_fn=_session_keyring_with_secret,
        timeout=30,
        check=False,
    )
    if SECRET not in control.stdout:
        pytest.skip("kernel keyrings are not usable here (seccomp or no CONFIG_KEYS)")
    result = subprocess.run(
        [AGENTSH, "-c", f"{script} {keyctl}"],
        cwd=ws.project,
        env=ws.env,
        capture_output=True,
        text=True,
        preexec_fn=_session_keyring_with_secret,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert_nothing_leaked(result)
