"""Claude Code's Bash tool, replicated exactly, run through agentsh.

Sources: Claude Code ships as one bundled file, https://www.npmjs.com/package/@anthropic-ai/claude-code
(cli.js); these are de-minified readings of it:
- [2.1.76] command assembly: `buildExecCommand`, `getSpawnArgs`, `HP1` (spawn), `RN8` (snapshot),
  `Ix9` (snapshot script), `sx9` (shell choice) in chunks.89.mjs lines ~231088-231820.
- [2.1.142] snapshot script: `Oi_`, `Yi_` (functions, options, aliases), `fi_` (rg, PATH) at
  cli_inner_pretty.js:360534-360660.
- The wrapper as recorded from a live 2.1.x session (2578 `bash -c` entries, all exactly three
  argv elements `[shell, "-c", wrapper]`):
  `source <HOME>/.claude/shell-snapshots/snapshot-bash-<ms>-<6 [a-z0-9]>.sh 2>/dev/null || true
  && shopt -u extglob 2>/dev/null || true && { \\builtin unalias -- 'unsetenv'; \\builtin unset
  -f -- 'unsetenv'; } >/dev/null 2>&1 || true && eval '<CMD>' < /dev/null && pwd -P >|
  <TMP>/claude-<4 hex>-cwd`, quoted as [recorded].

What Claude does, per those sources:
- Shell choice (`sx9`): CLAUDE_CODE_SHELL, then SHELL, only if the path contains "bash" or
  "zsh"; so agentsh is given to it as a link named `agentsh-bash`.
- Snapshot, once per session (`RN8`): `mkdir -p ~/.claude/shell-snapshots` on the host, then
  `execFile(shell, ["-c", "-l", script], {env: {...process.env, SHELL: shell, GIT_EDITOR:
  "true", CLAUDECODE: "1"}, timeout: 10000})`; the script writes
  `~/.claude/shell-snapshots/snapshot-bash-<ms>-<rand6>.sh`, Claude stats it afterwards and
  sources it at the start of every later command.
- Each command (`HP1`): `spawn(shell, ["-c", wrapper])` (`["-c", "-l", wrapper]` when there is
  no snapshot), `cwd` = the tracked working directory, `detached: true`, env as above, stdio
  `["pipe", fd, fd]` (stdout and stderr appended to one output file) or three pipes when
  streaming; Node never writes to the stdin pipe. Afterwards Claude reads
  `<os.tmpdir()>/claude-<id>-cwd` (id: 4 random hex digits) and makes it the tracked cwd; a
  missing file leaves the cwd unchanged.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agents.helpers import agent_env, link_agentsh
from tests.conftest import AGENTSH, Workspace

BASHRC = """\
greet() { echo "hello $1"; }
alias say='echo said'
export FROM_BASHRC=bashrc-value
"""


@pytest.fixture
def claude_shell(ws: Workspace) -> str:
    """agentsh under a name Claude Code accepts (its path must contain "bash" or "zsh")."""
    return str(link_agentsh(ws.root / "bin", "agentsh-bash"))


def claude_env(ws: Workspace, shell: str) -> dict[str, str]:
    """[2.1.76] HP1/RN8: {...process.env, SHELL: shell, GIT_EDITOR: "true", CLAUDECODE: "1"}."""
    return agent_env(ws, SHELL=shell, GIT_EDITOR="true", CLAUDECODE="1")


def js_shell_quote(words: list[str]) -> str:
    """The npm shell-quote `quote()` Claude's `j4` is: how `eval` arguments are quoted in 2.1.76."""
    quoted = []
    for word in words:
        if word == "":
            quoted.append("''")
        elif any(c in word for c in '" \t\n') and "'" not in word:
            quoted.append("'" + word + "'")
        elif any(c in word for c in "\"' \t\n"):
            escaped = "".join("\\" + c if c in '"\\$`!' else c for c in word)
            quoted.append('"' + escaped + '"')
        else:
            quoted.append(
                "".join("\\" + c if c in "#!\"$&'()*,:;<=>?@[\\]^`{|}" else c for c in word)
            )
    return " ".join(quoted)


def wrapper(command: str, snapshot: str | None, cwd_file: str, version: str) -> str:
    """The string Claude passes after -c for one Bash tool call."""
    if version == "2.1.76":  # [2.1.76] buildExecCommand: W.join(" && ")
        parts = [f"source {js_shell_quote([snapshot])}"] if snapshot else []
        parts.append("shopt -u extglob 2>/dev/null || true")
        parts.append(f"eval {js_shell_quote([command, '<', '/dev/null'])}")
        parts.append(f"pwd -P >| {cwd_file}")
        return " && ".join(parts)
    # [recorded] 2.1.x: single quotes inside eval become '"'"'
    parts = [f"source {shlex.quote(snapshot)} 2>/dev/null || true"] if snapshot else []
    parts.append("shopt -u extglob 2>/dev/null || true")
    parts.append(
        "{ \\builtin unalias -- 'unsetenv'; \\builtin unset -f -- 'unsetenv'; } >/dev/null 2>&1 || true"
    )
    parts.append("eval '" + command.replace("'", "'\"'\"'") + "' < /dev/null")
    parts.append(f"pwd -P >| {cwd_file}")
    return " && ".join(parts)


def snapshot_script(home: Path, snapshot_path: Path, path_value: str) -> str:
    """[2.1.76] Ix9 + [2.1.142] Yi_/fi_ for bash: the script run with `-c -l` to make a snapshot."""
    bashrc = home / ".bashrc"
    source = (
        f'source "{bashrc}" < /dev/null' if bashrc.exists() else "# No user config file to source"
    )
    delimiter = "PATH_END_" + secrets.token_hex(8)
    return f"""SNAPSHOT_FILE={shlex.quote(str(snapshot_path))}
      {source}

      # First, create/clear the snapshot file
      echo "# Snapshot file" >| "$SNAPSHOT_FILE"

      # Unset all aliases to avoid conflicts with functions
      echo "# Unset all aliases to avoid conflicts with functions" >> "$SNAPSHOT_FILE"
      echo "unalias -a 2>/dev/null || true" >> "$SNAPSHOT_FILE"

      echo "# Functions" >> "$SNAPSHOT_FILE"

      # Force autoload all functions first
      declare -f > /dev/null 2>&1

      # Now get user function names - filter completion functions (single underscore prefix)
      # but keep double-underscore helpers (e.g. __zsh_like_cd from mise, __pyenv_init)
      declare -F | cut -d' ' -f3 | grep -vE '^_[^_]' | while read func; do
        # Encode the function to base64, preserving all special characters
        encoded_func=$(declare -f "$func" | base64 )
        # Write the function definition to the snapshot
        echo "eval \\"\\$(echo '$encoded_func' | base64 -d)\\" > /dev/null 2>&1" >> "$SNAPSHOT_FILE"
      done

      echo "# Shell Options" >> "$SNAPSHOT_FILE"
      shopt -p | head -n 1000 >> "$SNAPSHOT_FILE"
      set -o | grep "on" | awk '{{print "set -o " $1}}' | head -n 1000 >> "$SNAPSHOT_FILE"
      echo "shopt -s expand_aliases" >> "$SNAPSHOT_FILE"

      echo "# Aliases" >> "$SNAPSHOT_FILE"
      if [[ "$OSTYPE" == "msys" ]] || [[ "$OSTYPE" == "cygwin" ]]; then
        alias | grep -v "='winpty " | sed 's/^alias //g' | sed 's/^/alias -- /' | head -n 1000 >> "$SNAPSHOT_FILE"
      else
        alias | sed 's/^alias //g' | sed 's/^/alias -- /' | head -n 1000 >> "$SNAPSHOT_FILE"
      fi

      # Check for rg availability
      echo "# Check for rg availability" >> "$SNAPSHOT_FILE"
      echo "if ! (unalias rg 2>/dev/null; command -v rg) >/dev/null 2>&1; then" >> "$SNAPSHOT_FILE"
      echo '  alias rg='"'/opt/claude/vendor/ripgrep/rg'" >> "$SNAPSHOT_FILE"
      echo "fi" >> "$SNAPSHOT_FILE"

      # Add PATH to the file
      cat >> "$SNAPSHOT_FILE" << '{delimiter}'
export PATH={shlex.quote(path_value)}
{delimiter}

      # Validation
      if [ ! -f "$SNAPSHOT_FILE" ]; then
        echo "Error: Snapshot file was not created at $SNAPSHOT_FILE" >&2
        exit 1
      fi
    """


def snapshot_path(home: Path) -> Path:
    """[2.1.76] RN8: ~/.claude/shell-snapshots/snapshot-bash-<Date.now()>-<6 base36 chars>.sh."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    suffix = "".join(secrets.choice(alphabet) for _ in range(6))
    return (
        home
        / ".claude"
        / "shell-snapshots"
        / f"snapshot-bash-{int(time.time() * 1000)}-{suffix}.sh"
    )


def written_snapshot(home: Path, path_value: str, function: bool = False) -> Path:
    """A snapshot as Claude's script makes it, written on the host (for the per-command tests).
    With `function`, it holds greet() the way [2.1.142] Yi_ writes functions: base64, eval'd."""
    path = snapshot_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    functions = ""
    if function:
        encoded = subprocess.run(
            ["/bin/bash", "-c", 'greet() { echo "hello $1"; }; declare -f greet | base64'],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        functions = f"eval \"$(echo '{encoded}' | base64 -d)\" > /dev/null 2>&1\n"
    path.write_text(
        "# Snapshot file\n"
        "# Unset all aliases to avoid conflicts with functions\n"
        "unalias -a 2>/dev/null || true\n"
        "# Functions\n"
        f"{functions}"
        "# Shell Options\n"
        "shopt -s expand_aliases\n"
        "# Aliases\n"
        "alias -- say='echo said'\n"
        f"export PATH={shlex.quote(path_value)}\n"
    )
    return path


class CwdFile:
    """`<os.tmpdir()>/claude-<4 hex>-cwd`: where the wrapper's `pwd -P >|` writes and Claude reads."""

    def __init__(self) -> None:
        self.path = Path("/tmp") / f"claude-{secrets.randbelow(65536):04x}-cwd"

    def read(self) -> str | None:
        try:
            return self.path.read_text()
        except FileNotFoundError:
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


@pytest.fixture
def cwd_file() -> Iterator[CwdFile]:
    made = CwdFile()
    yield made
    made.remove()  # Claude unlinks it after reading (HP1: `Qx9(I)`)


def run_claude_command(
    ws: Workspace, shell: str, argv_tail: list[str], cwd: Path, stdio: str
) -> tuple[int, str, str]:
    """HP1's spawn: stdin a pipe Node never writes, detached, stdout+stderr to one file
    (the default) or to pipes (streaming); "pipes-devnull" is the streaming form with stdin
    on /dev/null. Returns (status, stdout, stderr); in file mode everything is in stdout,
    as Claude reads it."""
    env = claude_env(ws, shell)
    stdin = subprocess.DEVNULL if stdio.endswith("devnull") else subprocess.PIPE
    if stdio == "file":
        output = ws.root / f"claude-output-{secrets.token_hex(4)}.txt"
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            in_file = subprocess.Popen(
                [shell, *argv_tail],
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=fd,
                stderr=fd,
                start_new_session=True,
            )
        finally:
            os.close(fd)
        try:
            status = in_file.wait(timeout=120)
        finally:
            assert in_file.stdin is not None
            in_file.stdin.close()
        return status, output.read_text(), ""
    process = subprocess.Popen(
        [shell, *argv_tail],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(stderr.read()))
    reader.start()
    out = stdout.read()
    status = process.wait(timeout=120)
    reader.join(timeout=120)
    if process.stdin is not None:
        process.stdin.close()
    return status, out, "".join(err)


@pytest.mark.parametrize("name", ["agentsh", "agentsh-bash"])
def test_version_probe_exits_zero_and_names_bash(
    ws: Workspace, claude_shell: str, name: str
) -> None:
    """Claude probes a candidate shell with `<shell> --version` (issue 7, checked in 2.1.x)."""
    shell = AGENTSH if name == "agentsh" else claude_shell
    result = subprocess.run(
        [shell, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=claude_env(ws, shell),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "bash" in result.stdout.splitlines()[0]


def test_snapshot_lands_in_home_and_the_next_command_sources_it(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile
) -> None:
    """[2.1.76] RN8: `execFile(shell, ["-c", "-l", script])` writes the snapshot under
    ~/.claude/shell-snapshots/ (the directory made on the host first); Claude then stats it
    and every later command starts with `source <snapshot>` ([recorded] wrapper), so the
    user's functions and aliases work in the Bash tool."""
    (ws.home / ".bashrc").write_text(BASHRC)
    snapshot = snapshot_path(ws.home)
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    script = snapshot_script(ws.home, snapshot, ws.env["PATH"])
    made = subprocess.run(
        [claude_shell, "-c", "-l", script],
        cwd=ws.project,
        env=claude_env(ws, claude_shell),
        stdin=subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert snapshot.is_file(), f"no snapshot on the host at {snapshot}; stderr: {made.stderr}"
    text = snapshot.read_text()
    assert text.startswith("# Snapshot file\n")
    assert "alias -- say='echo said'" in text
    assert "base64 -d" in text  # greet(), encoded

    status, out, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper("greet snapshot; say it", str(snapshot), str(cwd_file.path), "recorded")],
        ws.project,
        "pipes",
    )
    assert status == 0, out
    assert out == "hello snapshot\nsaid it\n"


@pytest.mark.parametrize("stdio", ["file", "pipes", "pipes-devnull"])
@pytest.mark.parametrize("version", ["2.1.76", "recorded"])
def test_command_output_and_exit_status(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile, stdio: str, version: str
) -> None:
    """[recorded]/[2.1.76]: `[shell, "-c", wrapper]` with a snapshot; what Claude shows the
    model is the output file (or the pipes) and the exit code."""
    snapshot = written_snapshot(ws.home, ws.env["PATH"])
    (ws.project / "sub").mkdir(exist_ok=True)
    command = "echo to-out; echo to-err >&2; say 'it'"
    status, out, err = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper(command, str(snapshot), str(cwd_file.path), version)],
        ws.project,
        stdio,
    )
    assert status == 0, out + err
    combined = out + err
    for line in ("to-out", "to-err", "said it"):
        assert line in combined.splitlines(), combined
    if stdio != "file":
        assert "to-err" not in out and "to-err" in err


def test_user_functions_in_the_snapshot_work(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile
) -> None:
    """[2.1.142] Yi_ writes each user function (any function in ~/.bashrc or the login files
    not named `_x...`) as `eval "$(echo '<base64>' | base64 -d)" > /dev/null 2>&1`, and
    every command begins by sourcing the snapshot: such a snapshot must not make every
    command refuse to run."""
    snapshot = written_snapshot(ws.home, ws.env["PATH"], function=True)
    status, out, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper("greet there", str(snapshot), str(cwd_file.path), "recorded")],
        ws.project,
        "file",
    )
    assert status == 0, out
    assert out == "hello there\n"


@pytest.mark.parametrize(
    "command,status", [("true", 0), ("false", 1), ("exit 3", 3), ("sh -c 'exit 42'", 42)]
)
def test_exit_status_propagates(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile, command: str, status: int
) -> None:
    """The wrapper's status is the command's (eval short-circuits `&& pwd -P`); Claude
    reports it as the tool's exit code."""
    snapshot = written_snapshot(ws.home, ws.env["PATH"])
    got, out, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper(command, str(snapshot), str(cwd_file.path), "recorded")],
        ws.project,
        "file",
    )
    assert got == status, out


@pytest.mark.parametrize("version", ["2.1.76", "recorded"])
def test_cwd_file_lands_on_the_host_and_carries_cd(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile, version: str
) -> None:
    """HP1 reads `/tmp/claude-<id>-cwd` after the command and makes it the tracked cwd; the
    next command is spawned with that cwd. agentsh gives each command a private /tmp, so
    the supervisor has to carry this file out to the host path."""
    snapshot = written_snapshot(ws.home, ws.env["PATH"])
    sub = ws.project / "sub" / "deeper"
    sub.mkdir(parents=True, exist_ok=True)
    status, out, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper("cd sub/deeper && echo moved", str(snapshot), str(cwd_file.path), version)],
        ws.project,
        "file",
    )
    assert status == 0, out
    assert out == "moved\n"
    carried = cwd_file.read()
    assert carried is not None, f"{cwd_file.path} is not on the host: Claude keeps the old cwd"
    assert carried == f"{sub.resolve()}\n"

    cwd_file.remove()  # Claude unlinks it, then spawns the next command in the new cwd
    status, out, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper("pwd", str(snapshot), str(cwd_file.path), version)],
        Path(carried.strip()),
        "file",
    )
    assert status == 0, out
    assert out == f"{sub.resolve()}\n"
    assert cwd_file.read() == f"{sub.resolve()}\n"


def claude_next_cwd(old: Path, cwd_file: CwdFile) -> Path:
    """HP1 after the command: no file keeps the cwd; otherwise VO(content.trim(), old):
    resolved against the old cwd, it must exist, and its realpath becomes the cwd."""
    content = cwd_file.read()
    if content is None:
        return old
    target = old / content.strip()  # path.resolve(old, "") is old itself
    assert target.exists(), f"Claude would fail the cwd update: {content!r}"
    return target.resolve()


def test_failed_command_keeps_the_cwd(ws: Workspace, claude_shell: str, cwd_file: CwdFile) -> None:
    """A failing command skips `pwd -P >|` (`&&`); whatever Claude finds at the cwd file's
    path (nothing, or an empty file) must leave its working directory where it was."""
    snapshot = written_snapshot(ws.home, ws.env["PATH"])
    status, _, _ = run_claude_command(
        ws,
        claude_shell,
        ["-c", wrapper("cd sub && false", str(snapshot), str(cwd_file.path), "recorded")],
        ws.project,
        "file",
    )
    assert status == 1
    assert claude_next_cwd(ws.project, cwd_file) == ws.project.resolve()


def test_without_a_snapshot_it_runs_a_login_shell(
    ws: Workspace, claude_shell: str, cwd_file: CwdFile
) -> None:
    """[2.1.76] getSpawnArgs: with no snapshot, `["-c", "-l", wrapper]` (-l after -c), and no
    `source` in the wrapper; a login bash reads ~/.profile."""
    (ws.home / ".profile").write_text("export FROM_PROFILE=profile-value\n")
    status, out, _ = run_claude_command(
        ws,
        claude_shell,
        [
            "-c",
            "-l",
            wrapper(
                "echo $FROM_PROFILE; shopt -q login_shell && echo login",
                None,
                str(cwd_file.path),
                "recorded",
            ),
        ],
        ws.project,
        "file",
    )
    assert status == 0, out
    assert out == "profile-value\nlogin\n"
    assert cwd_file.read() == f"{ws.project.resolve()}\n"
