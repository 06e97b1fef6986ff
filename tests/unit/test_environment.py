from __future__ import annotations

import pytest

from agentsh.sandbox.environment import looks_secret, sandbox_environment


@pytest.mark.parametrize(
    "name",
    [
        "RAILWAY_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "DATABASE_URL",
        "PROD_DATABASE_URL",
        "SENTRY_DSN",
        "PGPASSWORD",
        "MYSQL_PWD",
        "OPENAI_API_KEY",
        "STRIPE_SECRET",
        "NPM_TOKEN",
        "MY_APIKEY",
        "SESSION_COOKIE",
        "SSH_AUTH_SOCK",
        "TF_VAR_db_password",
        "DBPASSWORD",
        "APP_PRIVATE_KEY",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name, "harmless")


@pytest.mark.parametrize(
    "value",
    [
        "ghp_" + "a" * 36,
        "github_pat_" + "a" * 40,
        "AKIAABCDEFGHIJKLMNOP",
        "xoxb-123456789012-abcdef",
        "sk-" + "x" * 40,
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
        "postgres://user:pw@db.internal:5432/app",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "npm_" + "a" * 36,
    ],
)
def test_secret_looking_values(value: str) -> None:
    assert looks_secret("HARMLESS_NAME", value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LANG", "C.UTF-8"),
        ("PWD", "/home/dev"),
        ("KEYMAP", "us"),
        ("BYPASS_CACHE", "1"),
        ("HOMEPAGE", "https://example.com/a:b"),
        ("EDITOR", "vim"),
        ("GIT_COMMIT", "a" * 40),
    ],
)
def test_ordinary_variables(name: str, value: str) -> None:
    assert not looks_secret(name, value)


def test_only_passed_names_get_in_and_fixed_values_win() -> None:
    host = {
        "PATH": "/usr/bin",
        "RAILWAY_TOKEN": "t",
        "APP_MODE": "dev",
        "APP_TOKEN": "t",
        "APP_URL": "https://u:p@host/",
        "APP_EXACT_SECRET": "s",
        "OTHER": "x",
        "SHELL": "/usr/bin/zsh",
    }
    env = sandbox_environment(
        host,
        passed=["PATH", "SHELL", "APP_*", "APP_EXACT_SECRET", "*_MODE"],
        blocked=["PATH"],
        fixed={"SHELL": "/bin/bash", "AGENTSH": "1"},
    )
    assert env == {
        "APP_MODE": "dev",
        "APP_EXACT_SECRET": "s",
        "SHELL": "/bin/bash",
        "AGENTSH": "1",
    }


def test_complex_globs_use_fnmatch() -> None:
    env = sandbox_environment({"A1B2": "x", "AB": "y", "XA1B": "z"}, ["A*B*"], [], {})
    assert env == {"A1B2": "x", "AB": "y"}


def test_the_bash_shim_directory_leaves_path() -> None:
    """A launcher puts agentsh's `bash` shim first on PATH; inside the sandbox a nested
    `bash` must be the real one, so the shim directory is taken out of PATH."""
    home = "/home/dev"
    shims = f"{home}/.local/share/agentsh/shims"
    host = {"HOME": home, "PATH": f"{shims}:/usr/local/bin:{shims}/:/usr/bin::/bin"}
    env = sandbox_environment(host, ["PATH", "HOME"], [], {})
    assert env["PATH"] == "/usr/local/bin:/usr/bin::/bin"
    assert env["HOME"] == home


def test_the_shim_directory_follows_xdg_data_home() -> None:
    host = {
        "HOME": "/home/dev",
        "XDG_DATA_HOME": "/data/dev",
        "PATH": "/data/dev/agentsh/shims:/home/dev/.local/share/agentsh/shims:/usr/bin",
    }
    env = sandbox_environment(host, ["PATH"], [], {})
    assert env["PATH"] == "/home/dev/.local/share/agentsh/shims:/usr/bin"


def test_a_fixed_path_loses_the_shim_directory_too() -> None:
    host = {"HOME": "/home/dev", "PATH": "/usr/bin"}
    fixed = {"PATH": "/home/dev/.local/share/agentsh/shims:/opt/bin"}
    assert sandbox_environment(host, ["PATH"], [], fixed)["PATH"] == "/opt/bin"


def test_path_without_the_shim_is_unchanged() -> None:
    host = {"HOME": "/home/dev", "PATH": "/home/dev/.local/bin:/usr/bin:/bin"}
    assert sandbox_environment(host, ["PATH"], [], {})["PATH"] == host["PATH"]
