"""OpenAI Codex CLI's shell tool, replicated exactly, run through agentsh.

Sources (https://github.com/openai/codex, codex-rs):
- core/src/shell.rs `Shell::derive_exec_args`: `[shell_path, "-lc", command]` (login shell by
  default; `"-c"` when not). The legacy `shell` tool takes the argv the model writes, which
  is `["bash", "-lc", "<script>"]`, and execs it by name, so a `bash` found first on PATH
  (the shim) runs it.
- core/src/spawn.rs `spawn_child_async`: `cmd.current_dir(cwd)` per call, `env_clear()` then
  the policy's environment plus `CODEX_SANDBOX_NETWORK_DISABLED=1`, stdin
  `Stdio::null()` ("otherwise some commands may hang forever waiting for input"), stdout
  and stderr piped, a new session (`detach_from_tty`, setsid) and kill-on-drop.
- core/src/shell_snapshot.rs (`shell_snapshot`, stable and on by default): runs
  `[shell, "-lc", bash_snapshot_script()]` with stdin null in the session cwd, takes the
  snapshot from *stdout* (from the "# Snapshot file" marker on), writes it itself to
  `$CODEX_HOME/shell_snapshots/<thread>.tmp-<nonce>`, validates it with
  `[shell, "-c", "set -e; . \"<path>\""]`, then renames it to `<thread>.<nonce>.sh`.
- core/src/tools/runtimes/mod.rs `maybe_wrap_shell_lc_with_snapshot`: a `[shell, "-lc",
  script]` command in the snapshot's cwd becomes `[user_shell, "-c", "if . '<snapshot>'
  >/dev/null 2>&1; then :; fi\n\nexec '<shell>' -c '<script>'"]`, where user_shell is the
  passwd login shell (`getpwuid`), i.e. /bin/bash, and `<shell>` is the argv[0] the model
  wrote ("bash", resolved on PATH to the shim).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.agents.helpers import agent_env, bash_path_shim
from tests.conftest import AGENTSH, Workspace

BASHRC = 'export FROM_BASHRC=bashrc-value\ngreet() { echo "hello $1"; }\n'
DEFAULT_EXCLUDES = re.compile(r"KEY|SECRET|TOKEN", re.IGNORECASE)
"""shell_environment_policy's default excludes: variables matching *KEY*, *SECRET*, *TOKEN*."""

# codex-rs/core/src/shell_snapshot.rs bash_snapshot_script(), EXCLUDED_EXPORTS = "PWD|OLDPWD"
BASH_SNAPSHOT_SCRIPT = r"""if [ -z "$BASH_ENV" ] && [ -r "$HOME/.bashrc" ]; then
  . "$HOME/.bashrc"
fi
echo '# Snapshot file'
echo '# Unset all aliases to avoid conflicts with functions'
unalias -a 2>/dev/null || true
echo '# Functions'
declare -f
echo ''
bash_opts=$(set -o | awk '$2=="on"{print $1}')
bash_opt_count=$(printf '%s\n' "$bash_opts" | sed '/^$/d' | wc -l | tr -d ' ')
echo "# setopts $bash_opt_count"
if [ -n "$bash_opts" ]; then
  printf 'set -o %s\n' $bash_opts
fi
echo ''
alias_count=$(alias -p | wc -l | tr -d ' ')
echo "# aliases $alias_count"
alias -p
echo ''
export_lines=$(
  while IFS= read -r name; do
    if [[ "$name" =~ ^(PWD|OLDPWD)$ ]]; then
      continue
    fi
    if [[ ! "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      continue
    fi
    declare -xp "$name" 2>/dev/null || true
  done < <(compgen -e)
)
export_count=$(printf '%s\n' "$export_lines" | sed '/^$/d' | wc -l | tr -d ' ')
echo "# exports $export_count"
if [ -n "$export_lines" ]; then
  printf '%s\n' "$export_lines"
fi
"""


def codex_env(ws: Workspace) -> dict[str, str]:
    """spawn.rs: env_clear(), the shell environment policy's variables (inherit all, minus the
    default excludes), PATH with the `bash` shim first, CODEX_SANDBOX_NETWORK_DISABLED=1."""
    env = {k: v for k, v in agent_env(ws).items() if not DEFAULT_EXCLUDES.search(k)}
    env["PATH"] = f"{bash_path_shim(ws)}:{env['PATH']}"
    env["CODEX_SANDBOX_NETWORK_DISABLED"] = "1"
    return env


def codex_exec(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """spawn_child_async with StdioPolicy::RedirectForShellTool."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        check=False,
    )


def test_bash_on_path_is_agentsh(ws: Workspace) -> None:
    """The model writes `["bash", "-lc", ...]`; with the shim first on PATH it is agentsh
    (agentsh sets AGENTSH=1 inside its sandbox)."""
    result = codex_exec(["bash", "-lc", "echo $AGENTSH"], ws.project, codex_env(ws))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


@pytest.mark.parametrize("program", ["bash", "agentsh"])
def test_each_call_runs_in_its_own_working_directory(ws: Workspace, program: str) -> None:
    """Codex has no persistent shell: every call is `bash -lc` with `current_dir(cwd)` set
    from the call's `workdir`; nothing carries over between calls."""
    sub = ws.project / "pkg" / "src"
    sub.mkdir(parents=True)
    env = codex_env(ws)
    for cwd in (ws.project, sub, ws.project):
        shell = AGENTSH if program == "agentsh" else "bash"
        result = codex_exec([shell, "-lc", "pwd; cd / && pwd"], cwd, env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{cwd}\n/\n"


@pytest.mark.parametrize(
    "script,status,out,err",
    [
        ("echo out; echo err >&2", 0, "out\n", "err\n"),
        ("printf 'a\\nb'; exit 7", 7, "a\nb", ""),
        ("false", 1, "", ""),
        ("cat", 0, "", ""),  # stdin is /dev/null: a reader gets EOF at once, never hangs
        ("shopt -q login_shell && echo login", 0, "login\n", ""),
    ],
)
def test_output_and_exit_code(ws: Workspace, script: str, status: int, out: str, err: str) -> None:
    """Codex reads stdout, stderr (separately aggregated) and the exit code."""
    result = codex_exec(["bash", "-lc", script], ws.project, codex_env(ws))
    assert (result.returncode, result.stdout) == (status, out), result.stderr
    assert result.stderr.endswith(err)


def test_network_disabled_marker_reaches_the_command(ws: Workspace) -> None:
    """spawn.rs sets CODEX_SANDBOX_NETWORK_DISABLED=1 when the call has no network, so that
    tools and test suites skip what needs it; agentsh's sandbox has no network either, so the
    marker is true inside and should reach the command."""
    result = codex_exec(
        ["bash", "-lc", "echo $CODEX_SANDBOX_NETWORK_DISABLED"], ws.project, codex_env(ws)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


def make_codex_snapshot(ws: Workspace, env: dict[str, str]) -> Path:
    """shell_snapshot.rs try_new: capture on stdout, write on the host, validate, rename."""
    captured = codex_exec(["bash", "-lc", BASH_SNAPSHOT_SCRIPT], ws.project, env)
    assert captured.returncode == 0, captured.stderr
    marker = captured.stdout.find("# Snapshot file")
    assert marker >= 0, captured.stdout
    folder = ws.home / ".codex" / "shell_snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    nonce = time.time_ns()
    temporary = folder / f"thread-1.tmp-{nonce}"
    temporary.write_text(captured.stdout[marker:])
    validated = codex_exec(["bash", "-c", f'set -e; . "{temporary}"'], ws.project, env)
    assert validated.returncode == 0, validated.stderr
    final = folder / f"thread-1.{nonce}.sh"
    temporary.rename(final)
    return final


def test_snapshot_is_captured_from_stdout_and_validates(ws: Workspace) -> None:
    """The snapshot is what the login shell prints, so it survives the sandbox; it must hold
    the user's functions and exports and be sourceable with `set -e`."""
    (ws.home / ".bashrc").write_text(BASHRC)
    snapshot = make_codex_snapshot(ws, codex_env(ws))
    text = snapshot.read_text()
    assert text.startswith("# Snapshot file\n")
    assert "greet ()" in text
    assert 'declare -x FROM_BASHRC="bashrc-value"' in text


SANDBOXED_PROBE = "head -c 17 .env; echo; echo $AGENTSH; exit 5"
"""Inside agentsh `.env` reads as its notice; the real bash would print the secret."""


def wrapped(snapshot: Path, script: str, overrides: dict[str, str]) -> str:
    """maybe_wrap_shell_lc_with_snapshot's script for `["bash", "-lc", script]` (with
    build_override_exports when the shell environment policy sets variables)."""
    quoted = script.replace("'", "'\"'\"'")
    source = f"if . '{snapshot}' >/dev/null 2>&1; then :; fi"
    run = f"exec 'bash' -c '{quoted}'"
    if not overrides:
        return f"{source}\n\n{run}"
    keys = sorted(overrides)
    captures = "\n".join(
        f'__CODEX_SNAPSHOT_OVERRIDE_SET_{i}="${{{k}+x}}"\n__CODEX_SNAPSHOT_OVERRIDE_{i}="${{{k}-}}"'
        for i, k in enumerate(keys)
    )
    restores = "\n".join(
        f'if [ -n "${{__CODEX_SNAPSHOT_OVERRIDE_SET_{i}}}" ]; then export {k}="${{__CODEX_SNAPSHOT_OVERRIDE_{i}}}"; else unset {k}; fi'
        for i, k in enumerate(keys)
    )
    return f"{captures}\n\n{source}\n\n{restores}\n\n{run}"


def test_snapshot_without_a_bashrc(ws: Workspace) -> None:
    """bash_snapshot_script sources ~/.bashrc only `if [ -r "$HOME/.bashrc" ]`; a user
    without one must still get a snapshot (a failed capture makes Codex run every command
    without the user's environment)."""
    assert not (ws.home / ".bashrc").exists()
    snapshot = make_codex_snapshot(ws, codex_env(ws))
    assert snapshot.read_text().startswith("# Snapshot file\n")


def test_snapshot_wrapped_command_runs_in_agentsh(ws: Workspace) -> None:
    """maybe_wrap_shell_lc_with_snapshot (default configuration): the passwd shell
    (/bin/bash, outside agentsh) sources the snapshot, then `exec 'bash' -c '<script>'`.
    The snapshot's PATH is the one the sandboxed login shell ended with (/etc/profile sets
    PATH, and agentsh takes its shim directory out), so `bash` must still resolve to
    agentsh, or the command runs unsandboxed."""
    (ws.home / ".bashrc").write_text(BASHRC)
    env = codex_env(ws)
    snapshot = make_codex_snapshot(ws, env)
    result = codex_exec(
        ["/bin/bash", "-c", wrapped(snapshot, SANDBOXED_PROBE, {})], ws.project, env
    )
    assert result.returncode == 5, result.stderr
    assert result.stdout.startswith("hidden by agentsh"), f"ran outside agentsh: {result.stdout!r}"


def test_snapshot_wrapped_command_with_path_set_by_policy(ws: Workspace) -> None:
    """The same, with `[shell_environment_policy.set] PATH = "<shim>:..."` in
    ~/.codex/config.toml: Codex re-exports such variables after sourcing the snapshot
    (build_override_exports), so the shim stays first and the command runs in agentsh."""
    (ws.home / ".bashrc").write_text(BASHRC)
    env = codex_env(ws)
    snapshot = make_codex_snapshot(ws, env)
    script = wrapped(snapshot, SANDBOXED_PROBE, {"PATH": env["PATH"]})
    result = codex_exec(["/bin/bash", "-c", script], ws.project, env)
    assert result.returncode == 5, result.stderr
    assert result.stdout == "hidden by agentsh\n1\n"
