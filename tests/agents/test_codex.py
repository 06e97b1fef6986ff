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
  passwd login shell (`getpwuid`), i.e. /bin/bash, and `<shell>` is the argv[0] of the
  command: the one the model wrote for the legacy `shell` tool ("bash", resolved on PATH to
  the shim), the passwd shell by absolute path for `shell_command` (no shim reaches it).
- Codex 0.131.0+ (openai/codex#20527) runs the command a PreToolUse hook returns in
  `updatedInput`: `agentshctl hook codex` answers `<agentsh> -c '<command>'`, which
  `shell_command` runs in place of the model's text, and which the legacy `shell` tool
  shlex-splits into its argv (core/src/tools/handlers, `apply_updated_input`).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from tests.agents.helpers import agent_env, bash_path_shim, run_piped
from tests.conftest import AGENTSH, AGENTSHCTL, Workspace

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
    return run_piped(argv, cwd, env)


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


def make_codex_snapshot(ws: Workspace, env: dict[str, str], shell: str = "bash") -> Path:
    """shell_snapshot.rs try_new: capture on stdout, write on the host, validate, rename.
    `shell` "bash" finds the shim (so the capture runs in agentsh); "/bin/bash" does not."""
    captured = codex_exec([shell, "-lc", BASH_SNAPSHOT_SCRIPT], ws.project, env)
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


def wrapped(snapshot: Path, script: str, overrides: dict[str, str], shell: str = "bash") -> str:
    """maybe_wrap_shell_lc_with_snapshot's script for `[shell, "-lc", script]` (with
    build_override_exports when the shell environment policy sets variables)."""
    quoted = script.replace("'", "'\"'\"'")
    source = f"if . '{snapshot}' >/dev/null 2>&1; then :; fi"
    run = f"exec '{shell}' -c '{quoted}'"
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


@pytest.mark.xfail(
    strict=True,
    reason="the PATH shim alone cannot catch it: the snapshot restores the PATH the sandboxed "
    "login shell ended with, without the shim, so `exec 'bash'` is the real bash and reads "
    ".env; Codex 0.131.0+ runs such commands in agentsh through the PreToolUse hook's "
    "rewrite instead (test_hook_rewritten_legacy_shell_argv_runs_in_agentsh), older Codex "
    "does not",
)
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


def codex_hook_rewrite(ws: Workspace, command: str, cwd: Path) -> str:
    """What the real `agentshctl hook codex` makes of a Bash call: the `updatedInput` command
    (codex-rs hook_runtime.rs runs hooks with Codex's environment, in the turn's cwd)."""
    payload = {
        "session_id": "019a2f3c-7c1e-7d30-9a52-5d1b2c3e4f60",
        "turn_id": "1",
        "transcript_path": None,
        "cwd": str(cwd),
        "hook_event_name": "PreToolUse",
        "model": "gpt-5-codex",
        "permission_mode": "default",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": "call_1",
    }
    done = subprocess.run(
        [AGENTSHCTL, "hook", "codex"],
        input=json.dumps(payload),
        cwd=cwd,
        env=agent_env(ws),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    output = json.loads(done.stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "allow"
    rewritten: str = output["updatedInput"]["command"]
    assert rewritten == f"{AGENTSH} -c {shlex.quote(command)}"
    return rewritten


@pytest.mark.parametrize("captured_by", ["bash", "/bin/bash"])
def test_hook_rewritten_command_runs_in_agentsh(ws: Workspace, captured_by: str) -> None:
    """shell_command on Codex 0.131.0+: the hook's rewrite replaces the command, which Codex
    wraps with the snapshot and runs with the passwd shell: `/bin/bash -c "if . snapshot;
    then :; fi; exec '/bin/bash' -c '<agentsh> -c ...'"`. The command runs in agentsh
    whether the snapshot was captured in agentsh (through the shim, with AGENTSH=1 and the
    sandbox's PATH in it) or outside it."""
    (ws.home / ".bashrc").write_text(BASHRC)
    env = codex_env(ws)
    snapshot = make_codex_snapshot(ws, env, captured_by)
    rewritten = codex_hook_rewrite(ws, SANDBOXED_PROBE, ws.project)
    script = wrapped(snapshot, rewritten, {}, "/bin/bash")
    result = codex_exec(["/bin/bash", "-c", script], ws.project, env)
    assert result.returncode == 5, result.stderr
    assert result.stdout == "hidden by agentsh\n1\n"
    assert "sk_live" not in result.stdout + result.stderr


def test_hook_rewritten_command_runs_in_the_calls_own_directory(ws: Workspace) -> None:
    """The hook sees the turn's cwd, but Codex runs the call in its `workdir`; the rewrite
    adds no `cd`, so agentsh runs (and judges) the command where Codex runs it."""
    sub = ws.project / "pkg" / "src"
    sub.mkdir(parents=True)
    env = codex_env(ws)
    snapshot = make_codex_snapshot(ws, env, "/bin/bash")
    rewritten = codex_hook_rewrite(ws, "pwd; head -c 17 ../../.env; echo", ws.project)
    result = codex_exec(
        ["/bin/bash", "-c", wrapped(snapshot, rewritten, {}, "/bin/bash")], sub, env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sub}\nhidden by agentsh\n"


def test_hook_rewritten_legacy_shell_argv_runs_in_agentsh(ws: Workspace) -> None:
    """The legacy `shell` tool: the hook sees shlex_join(argv) (`bash -lc '<script>'`), and
    Codex shlex-splits the rewrite back into argv, `[<agentsh>, "-c", "bash -lc ..."]`.
    The snapshot wrapper is for `[shell, "-lc", script]`, so Codex execs this directly; and
    were it wrapped, its `exec` would name agentsh by absolute path all the same."""
    command = shlex.join(["bash", "-lc", SANDBOXED_PROBE])
    argv = shlex.split(codex_hook_rewrite(ws, command, ws.project))
    assert argv == [AGENTSH, "-c", command]
    result = codex_exec(argv, ws.project, codex_env(ws))
    assert result.returncode == 5, result.stderr
    assert result.stdout == "hidden by agentsh\n1\n"
