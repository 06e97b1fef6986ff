"""`agentshctl install AGENT` and `agentshctl uninstall AGENT`: point a coding agent at agentsh.

What is written for each agent, and the documentation it follows:

claude-code  ~/.claude/settings.json (or $CLAUDE_CONFIG_DIR): `env.CLAUDE_CODE_SHELL`
    is ~/.local/bin/agentsh-bash, a link to agentsh (Claude Code 2.1 ignores a
    shell whose path names neither bash nor zsh, and probes it with --version),
    and a PreToolUse hook for "Bash" runs `agentshctl hook claude-code`.
    CLAUDE_CODE_SHELL_PREFIX is deliberately not used: Claude Code wraps its
    hook commands and stdio MCP server starts in it too, which would put the
    hook itself (and every MCP server) inside the sandbox.
    https://code.claude.com/docs/en/settings, .../env-vars, .../hooks
cursor  ~/.cursor/hooks.json: beforeShellExecution runs `agentshctl hook cursor`
    (`failClosed`), and Cursor's user settings.json gets an "agentsh" terminal
    profile, made the default, for the terminals it opens.
    https://cursor.com/docs/agent/hooks
codex  ~/.codex/hooks.json (or $CODEX_HOME): a PreToolUse hook for "Bash", which
    from Codex 0.131.0 on rewrites each shell command to run through agentsh
    (see agentsh/ctl/hooks.py); in config.toml, `[features] hooks = true` and
    its older name `codex_hooks = true` (hooks were off by default before Codex
    0.124); and ~/.local/bin/agentsh-codex, a launcher that puts the `bash`
    shim first on PATH, for the `bash -lc` argv of Codex's legacy `shell` tool
    on a Codex too old to apply the rewrite. The install reads `codex
    --version` to warn when that is the case.
    https://developers.openai.com/codex/hooks, .../codex/config-basic
gemini  ~/.gemini/settings.json: a BeforeTool hook for "run_shell_command", and
    ~/.local/bin/agentsh-gemini, a launcher with the `bash` shim first on PATH.
    https://geminicli.com/docs/hooks/reference
aider  ~/.local/bin/agentsh-aider, a launcher that sets SHELL to agentsh-bash
    (Aider runs `$SHELL -c`, aider/run_cmd.py; it has no hook and no shell setting).
vscode  the user settings.json: an "agentsh" terminal profile whose path is
    agentsh-bash (not named exactly `bash`, so VS Code does not inject its own
    shell-integration script: agentsh's REPL emits the OSC 633 marks itself),
    made the default profile (Cline, Roo Code) and Copilot's chat terminal
    profile (`chat.tools.terminal.terminalProfile.linux`, VS Code 1.105); and
    Cline's global hook file ~/Documents/Cline/Hooks/PreToolUse.
    https://code.visualstudio.com/docs/terminal/profiles,
    https://docs.cline.bot/features/hooks/hook-reference
openhands  nothing can be written: its runtimes start /bin/bash (or tmux's
    shell) themselves, so `install openhands` prints what to do by hand.

Every file is backed up (under agentsh's state directory, out of every
sandbox's sight) before it changes, and what was changed is recorded there, so
that `uninstall` undoes exactly that: it restores the backup byte for byte when
nobody touched the file since, and otherwise reverts only the keys agentsh set
that still hold agentsh's value, leaving anything else, and saying so.
JSON files are rewritten with their own indentation; Codex's config.toml is
edited line by line and checked by parsing the result.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys

from agentsh import paths
from agentsh.errors import AgentshError
from agentsh.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import IO, Any, Literal

AGENT_TITLES = {
    "claude-code": "Claude Code",
    "cursor": "Cursor",
    "codex": "Codex CLI",
    "gemini": "Gemini CLI",
    "aider": "Aider",
    "vscode": "VS Code (Copilot agent mode, Cline, Roo Code)",
    "openhands": "OpenHands",
}
AGENTS = tuple(AGENT_TITLES)
MANIFEST_VERSION = 1
SCRIPT_MARKER = "written by `agentshctl install"
"""A line in every script agentsh writes, so a later install recognises its own."""
NOT_AUTOMATABLE = 4
"""Exit status of `install openhands`: nothing could be written, instructions printed."""


class InstallError(AgentshError):
    """The install or uninstall cannot go ahead; nothing was changed."""

    exit_status = 1


class _Absent:
    """The value of a key that is not there."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


# What an install is made of ---------------------------------------------------------


@record
class SetKey:
    """Set `keys` (a path of object keys from the top) to `value`."""

    keys: tuple[str, ...]
    value: Any


@record
class AddEntry:
    """Make `value` an element of the list at `keys`, replacing an older agentsh entry."""

    keys: tuple[str, ...]
    value: Any
    is_ours: Callable[[Any], bool] = field(compare=False, repr=False)


Edit = SetKey | AddEntry


@record
class SettingsFile:
    path: str
    format: Literal["json", "toml"]
    edits: tuple[Edit, ...]
    jsonc: bool = False
    """VS Code's settings.json may hold comments, which a JSON rewrite would lose."""


@record
class Link:
    path: str
    target: str
    shared: bool = True


@record
class Script:
    path: str
    text: str
    optional: bool = False
    """When the path holds someone else's file: warn and skip, rather than refuse."""
    shared: bool = False


Artifact = Link | Script


@record
class Plan:
    agent: str
    files: tuple[SettingsFile, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    warnings: tuple[str, ...] = ()
    next_steps: str = ""


@record
class Context:
    """Where things are on this machine, and the executables to point agents at."""

    environ: Mapping[str, str]
    dirs: paths.Dirs
    agentsh: str
    agentshctl: str

    @property
    def home(self) -> str:
        return self.dirs.home

    @property
    def local_bin(self) -> str:
        return os.path.join(self.home, ".local", "bin")

    @property
    def bash_link(self) -> str:
        return os.path.join(self.local_bin, "agentsh-bash")

    @property
    def shim(self) -> str:
        return os.path.join(paths.shim_dir(self.environ), "bash")

    @property
    def config_home(self) -> str:
        value = self.environ.get("XDG_CONFIG_HOME", "")
        return value if os.path.isabs(value) else os.path.join(self.home, ".config")

    def agent_dir(self, variable: str, default: str) -> str:
        value = self.environ.get(variable, "")
        return value if os.path.isabs(value) else os.path.join(self.home, default)

    def hook_command(self, agent: str) -> str:
        return f"{shlex.quote(self.agentshctl)} hook {agent}"


CODEX_APPLIES_HOOK_REWRITES = (0, 131, 0)
"""The first Codex release that runs the command a PreToolUse hook rewrites (`updatedInput`,
openai/codex#20527, merged 2026-05-12); 0.130.0 still reports it as unsupported output."""
CODEX_VERSION_LINE = re.compile(r"codex-cli (\d+)\.(\d+)\.(\d+)(\S*)")


def codex_applies_hook_rewrites(version_output: str) -> bool | None:
    """Whether `codex --version` printed a Codex that applies PreToolUse rewrites; None when
    the output names no Codex version. A pre-release of 0.131.0 itself counts as too old."""
    found = CODEX_VERSION_LINE.search(version_output)
    if found is None:
        return None
    release = (int(found[1]), int(found[2]), int(found[3]))
    if release == CODEX_APPLIES_HOOK_REWRITES:
        return not found[4]
    return release > CODEX_APPLIES_HOOK_REWRITES


def codex_version_output(executable: str, timeout: float = 10) -> str:
    """What `EXECUTABLE --version` prints, or "" when it cannot be run."""
    import subprocess

    try:
        done = subprocess.run(
            [executable, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def find_executables(argv0: str, environ: Mapping[str, str]) -> tuple[str, str]:
    """The installed `agentsh` and `agentshctl`, found next to the running agentshctl."""
    import shutil

    candidates = []
    if os.path.basename(argv0) == "agentshctl":
        candidates.append(os.path.abspath(argv0))
    found = shutil.which("agentshctl", path=environ.get("PATH"))
    if found:
        candidates.append(os.path.abspath(found))
    for ctl in candidates:
        for folder in (os.path.dirname(ctl), os.path.dirname(os.path.realpath(ctl))):
            shell = os.path.join(folder, "agentsh")
            if os.access(shell, os.X_OK) and not os.path.isdir(shell):
                return shell, ctl
    raise InstallError(
        "cannot find the installed `agentsh` and `agentshctl` executables (looked next to "
        f"{argv0} and on PATH); run the agentshctl that came with agentsh"
    )


# The agents -------------------------------------------------------------------------


def _runs_agentshctl_hook(agent: str) -> Callable[[Any], bool]:
    """Recognise a hook entry (at any depth) whose command is `.../agentshctl hook AGENT`."""

    def commands(value: Any) -> Iterable[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "command" and isinstance(item, str):
                    yield item
                else:
                    yield from commands(item)
        elif isinstance(value, list):
            for item in value:
                yield from commands(item)

    def is_ours(entry: Any) -> bool:
        for command in commands(entry):
            try:
                words = shlex.split(command)
            except ValueError:
                continue
            if (
                len(words) == 3
                and os.path.basename(words[0]) == "agentshctl"
                and words[1:] == ["hook", agent]
            ):
                return True
        return False

    return is_ours


def _launcher(context: Context, agent: str, program: str, setup: str, purpose: str) -> Script:
    text = (
        "#!/bin/sh\n"
        f"# Starts {program} through agentsh: {purpose}\n"
        f"# {SCRIPT_MARKER} {agent}`; `agentshctl uninstall {agent}` removes it.\n"
        f"{setup}"
        f'exec {program} "$@"\n'
    )
    return Script(os.path.join(context.local_bin, f"agentsh-{program}"), text)


def _shim_launcher(context: Context, agent: str, program: str) -> Script:
    shims = shlex.quote(os.path.dirname(context.shim))
    return _launcher(
        context,
        agent,
        program,
        f'PATH={shims}"${{PATH:+:$PATH}}"\nexport PATH\n',
        f"agentsh's `bash` shim goes first on PATH, so the\n# `bash` {program} runs is agentsh.",
    )


def _terminal_profile_edits(context: Context) -> tuple[Edit, ...]:
    """An "agentsh" terminal profile, made the default. Its path is agentsh-bash, not the
    `bash` shim: VS Code injects its own shell-integration script into a shell named
    exactly `bash`, and agentsh's REPL emits those OSC 633 marks itself."""
    return (
        SetKey(("terminal.integrated.profiles.linux", "agentsh"), {"path": context.bash_link}),
        SetKey(("terminal.integrated.defaultProfile.linux",), "agentsh"),
    )


def _console_warning(context: Context) -> tuple[str, ...]:
    """Agents that type into their terminal could answer agentsh's terminal prompt."""
    try:
        from agentsh import profile as profiles

        loaded = profiles.load(profiles.discover(context.home, context.dirs), context.dirs)
        channels = loaded.approval.channels
    except (AgentshError, OSError):
        channels = ("tty", "console")
    if "tty" not in channels:
        return ()
    return (
        "this agent types into the terminal agentsh runs in, so it could answer agentsh's "
        "terminal prompt: put `approval: {channels: [console]}` in "
        f"{context.dirs.user_profile} and keep `agentshctl approvals` open",
    )


def _plan_claude_code(context: Context) -> Plan:
    settings = os.path.join(context.agent_dir("CLAUDE_CONFIG_DIR", ".claude"), "settings.json")
    hook = {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": context.hook_command("claude-code")}],
    }
    warnings = []
    prefix = _get(_read_json_object(settings), ("env", "CLAUDE_CODE_SHELL_PREFIX"))
    if prefix is not ABSENT or context.environ.get("CLAUDE_CODE_SHELL_PREFIX"):
        warnings.append(
            "CLAUDE_CODE_SHELL_PREFIX is set: Claude Code runs every command, hook and MCP "
            "server through it; check that it still runs the command it is given"
        )
    if context.environ.get("CLAUDE_CODE_SHELL", context.bash_link) != context.bash_link:
        warnings.append(
            "CLAUDE_CODE_SHELL is set in your environment "
            f"({context.environ['CLAUDE_CODE_SHELL']}); unset it, or Claude Code may use it "
            "instead of the settings file"
        )
    return Plan(
        "claude-code",
        files=(
            SettingsFile(
                settings,
                "json",
                (
                    SetKey(("env", "CLAUDE_CODE_SHELL"), context.bash_link),
                    AddEntry(("hooks", "PreToolUse"), hook, _runs_agentshctl_hook("claude-code")),
                ),
            ),
        ),
        artifacts=(Link(context.bash_link, context.agentsh),),
        warnings=tuple(warnings),
        next_steps=(
            "Restart Claude Code: its Bash tool now runs every command through agentsh, "
            "and its permission prompt shows agentsh's decision."
        ),
    )


def _plan_cursor(context: Context) -> Plan:
    hooks = os.path.join(context.home, ".cursor", "hooks.json")
    settings = os.path.join(context.config_home, "Cursor", "User", "settings.json")
    hook = {"command": context.hook_command("cursor"), "failClosed": True}
    return Plan(
        "cursor",
        files=(
            SettingsFile(
                hooks,
                "json",
                (
                    SetKey(("version",), 1),
                    AddEntry(
                        ("hooks", "beforeShellExecution"), hook, _runs_agentshctl_hook("cursor")
                    ),
                ),
            ),
            SettingsFile(settings, "json", _terminal_profile_edits(context), jsonc=True),
        ),
        artifacts=(Link(context.bash_link, context.agentsh),),
        warnings=_console_warning(context),
        next_steps=(
            "Restart Cursor: agentsh decides on every shell command its agent runs (the hook "
            "fails closed), and new terminals, the agent's among them where Cursor uses the "
            "default profile, run agentsh."
        ),
    )


def _codex_version_warnings(context: Context) -> tuple[str, ...]:
    """A warning unless the `codex` on PATH applies the hook's rewrite (Codex 0.131.0+)."""
    import shutil

    needed = ".".join(map(str, CODEX_APPLIES_HOOK_REWRITES))
    executable = shutil.which("codex", path=context.environ.get("PATH"))
    output = codex_version_output(executable) if executable else ""
    applies = codex_applies_hook_rewrites(output)
    if applies:
        return ()
    if applies is None:
        found = "its `--version` names none" if executable else "no `codex` on PATH"
        return (
            f"cannot tell which Codex is installed ({found}): the hook runs commands through "
            f"agentsh only on Codex {needed} or later",
        )
    return (
        f"{output.strip()} runs the original command when a hook rewrites it: until you "
        f"upgrade to Codex {needed} or later, its shell_command and exec_command tools run "
        "allowed commands outside the sandbox, and the hook denies what agentsh would stop "
        "or ask about",
    )


def _plan_codex(context: Context) -> Plan:
    codex_home = context.agent_dir("CODEX_HOME", ".codex")
    hook = {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": context.hook_command("codex")}],
    }
    return Plan(
        "codex",
        files=(
            SettingsFile(
                os.path.join(codex_home, "hooks.json"),
                "json",
                (AddEntry(("hooks", "PreToolUse"), hook, _runs_agentshctl_hook("codex")),),
            ),
            SettingsFile(
                os.path.join(codex_home, "config.toml"),
                "toml",
                (SetKey(("features", "hooks"), True), SetKey(("features", "codex_hooks"), True)),
            ),
        ),
        artifacts=(Link(context.shim, context.agentsh), _shim_launcher(context, "codex", "codex")),
        warnings=(
            *_codex_version_warnings(context),
            "Codex applies its own sandbox and approval policy to the rewritten `agentsh -c` "
            "command too (the hook's `allow` skips neither); if its sandbox keeps agentsh from "
            "starting bwrap or writing its audit log, run Codex with `--sandbox "
            "danger-full-access` so that agentsh is the sandbox",
        ),
        next_steps=(
            "Start Codex as `agentsh-codex` (same arguments as `codex`). Its PreToolUse hook "
            "denies what agentsh stops and hands every other shell command to agentsh, which "
            "asks about risky ones in `agentshctl approvals` (keep it open: Codex gives "
            "commands no terminal you could answer in, so without it they are denied)."
        ),
    )


def _plan_gemini(context: Context) -> Plan:
    settings = os.path.join(context.home, ".gemini", "settings.json")
    hook = {
        "matcher": "run_shell_command",
        "hooks": [
            {
                "name": "agentsh",
                "type": "command",
                "command": context.hook_command("gemini"),
                "description": "agentsh's decision on the shell command",
            }
        ],
    }
    warnings = []
    disabled = _gemini_hooks_disabled(settings)
    if disabled:
        warnings.append(
            f"{settings} turns hooks off ({disabled}); agentsh's decision will not show in "
            "Gemini CLI until you turn them on (commands still run through agentsh)"
        )
    return Plan(
        "gemini",
        files=(
            SettingsFile(
                settings,
                "json",
                (AddEntry(("hooks", "BeforeTool"), hook, _runs_agentshctl_hook("gemini")),),
            ),
        ),
        artifacts=(
            Link(context.shim, context.agentsh),
            _shim_launcher(context, "gemini", "gemini"),
        ),
        warnings=tuple(warnings),
        next_steps=(
            "Start Gemini CLI as `agentsh-gemini`: its shell tool runs agentsh, and its "
            "BeforeTool hook shows agentsh's decision."
        ),
    )


def _read_json_object(path: str) -> dict[str, Any]:
    """A settings file's content for a warning; {} when it is missing or does not parse
    (the install itself reports that)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _gemini_hooks_disabled(settings: str) -> str:
    data = _read_json_object(settings)
    for keys in (("hooksConfig", "enabled"), ("hooks", "enabled"), ("tools", "enableHooks")):
        if _get(data, keys) is False:
            return f"{'.'.join(keys)} is false"
    return ""


def _plan_aider(context: Context) -> Plan:
    link = shlex.quote(context.bash_link)
    launcher = _launcher(
        context,
        "aider",
        "aider",
        f"SHELL={link}\nexport SHELL\n",
        "Aider runs its commands with `$SHELL -c`.",
    )
    return Plan(
        "aider",
        artifacts=(Link(context.bash_link, context.agentsh), launcher),
        next_steps=(
            "Start Aider as `agentsh-aider` (same arguments as `aider`): the commands it runs "
            "go through agentsh. Aider has no hook, so agentsh's decision shows in its output."
        ),
    )


def _plan_vscode(context: Context) -> Plan:
    settings = os.path.join(context.config_home, "Code", "User", "settings.json")
    cline_hook = os.path.join(context.home, "Documents", "Cline", "Hooks", "PreToolUse")
    hook_text = (
        "#!/bin/sh\n"
        "# Cline's PreToolUse hook: agentsh's decision on the commands Cline runs.\n"
        f"# {SCRIPT_MARKER} vscode`; `agentshctl uninstall vscode` removes it.\n"
        f"exec {context.hook_command('cline')}\n"
    )
    edits = (
        *_terminal_profile_edits(context),
        SetKey(("chat.tools.terminal.terminalProfile.linux",), {"path": context.bash_link}),
    )
    return Plan(
        "vscode",
        files=(SettingsFile(settings, "json", edits, jsonc=True),),
        artifacts=(Link(context.bash_link, context.agentsh), Script(cline_hook, hook_text, True)),
        warnings=(
            *_console_warning(context),
            "Cline runs hooks only once you tick Enable Hooks in Cline's Feature Settings "
            "(stored in VS Code's extension state, which agentsh does not edit)",
            "Roo Code's own 'execa' shell path setting, when you set one, wins over the profile",
        ),
        next_steps=(
            "Reload VS Code: new integrated terminals, Copilot's agent terminal, Cline's and "
            "Roo Code's, run agentsh."
        ),
    )


OPENHANDS_INSTRUCTIONS = """\
OpenHands starts its shell itself: the local runtime's terminal runs /bin/bash
(or the shell tmux is configured with), and no setting in config.toml names
another shell, so agentsh cannot be installed for it by editing a file.
What you can do by hand:
  - With the OpenHands SDK, create the terminal tool with agentsh as its shell:
      TerminalTool.create(conv_state=..., terminal_type="subprocess",
                          shell_path="{link}")
    ({link} is a link to agentsh: `agentshctl install aider`
    creates it, or: ln -s {agentsh} {link})
  - Or keep OpenHands in its Docker sandbox runtime, which is its default.
OpenHands' hooks (.openhands/hooks.json) are per repository; agentsh has no
hook adapter checked against their payloads yet.
OpenHands types into a persistent terminal: put `approval: {{channels: [console]}}`
in {profile} and keep `agentshctl approvals` open.
"""


PLANNERS: dict[str, Callable[[Context], Plan]] = {
    "claude-code": _plan_claude_code,
    "cursor": _plan_cursor,
    "codex": _plan_codex,
    "gemini": _plan_gemini,
    "aider": _plan_aider,
    "vscode": _plan_vscode,
}


# JSON: read, edit, write back in the file's own style ------------------------------------


def _get(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return ABSENT
        data = data[key]
    return data


def key_label(keys: Iterable[str]) -> str:
    return ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k) for k in keys)


def show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False)


def parse_json(path: str, text: str, jsonc: bool = False, hint: str = "") -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        if jsonc:
            message += (
                " (VS Code allows comments and trailing commas in settings.json; agentsh does "
                "not rewrite such a file, so they are kept: add these settings by hand: "
                f"{hint})"
            )
        raise InstallError(message + "; nothing was changed") from exc
    if not isinstance(data, dict):
        raise InstallError(
            f"{path} holds a JSON {type(data).__name__}, not an object; nothing was changed"
        )
    return data


def json_style(text: str) -> tuple[str | None, bool]:
    """The indentation of a JSON file (None: on one line) and whether it ends in a newline."""
    match = re.search(r"\n([ \t]+)\S", text)
    if match:
        indent: str | None = match.group(1)
    elif text.strip() in ("", "{}"):
        indent = "  "
    else:
        indent = None
    return indent, text.endswith("\n") or not text.strip()


def dump_json(data: Any, style: tuple[str | None, bool]) -> str:
    indent, newline = style
    return json.dumps(data, indent=indent, ensure_ascii=False) + ("\n" if newline else "")


@record
class Change:
    """One line of what install or uninstall does: `where`, `old` -> `new`."""

    where: str
    old: str
    new: str


def _container(
    data: dict[str, Any], keys: tuple[str, ...], leaf: type, path: str, created: list[list[str]]
) -> Any:
    """The dict or list at `keys`, made (and noted in `created`) where missing."""
    node: Any = data
    for depth, key in enumerate(keys):
        kind = leaf if depth == len(keys) - 1 else dict
        if key not in node:
            node[key] = kind()
            created.append(list(keys[: depth + 1]))
        elif not isinstance(node[key], kind):
            raise InstallError(
                f"{path}: {key_label(keys[: depth + 1])} is a JSON "
                f"{type(node[key]).__name__}, not {'an object' if kind is dict else 'a list'}; "
                "agentsh will not replace it, nothing was changed"
            )
        node = node[key]
    return node


def apply_edits(path: str, data: dict[str, Any], edits: Iterable[Edit]) -> list[dict[str, Any]]:
    """Apply `edits` to `data` in place; return the record of each one that changed something.

    A record keeps what uninstall needs: the operation, the value agentsh put there,
    the original value (None when the key was absent) and the containers it created.
    """
    records: list[dict[str, Any]] = []
    for edit in edits:
        created: list[list[str]] = []
        if isinstance(edit, SetKey):
            parent = _container(data, edit.keys[:-1], dict, path, created)
            old = parent.get(edit.keys[-1], ABSENT)
            if old == edit.value:
                continue
            parent[edit.keys[-1]] = edit.value
            original = None if old is ABSENT else {"value": old}
            records.append(
                {"op": "set", "keys": list(edit.keys), "value": edit.value, "original": original}
            )
        else:
            entries = _container(data, edit.keys, list, path, created)
            if edit.value in entries:
                continue
            stale = [index for index, item in enumerate(entries) if edit.is_ours(item)]
            if stale:
                old = entries[stale[0]]
                entries[stale[0]] = edit.value
            else:
                old = ABSENT
                entries.append(edit.value)
            records.append(
                {"op": "add", "keys": list(edit.keys), "value": edit.value, "replaced": show(old)}
            )
        records[-1]["created"] = created
    return records


def describe_install(record_: Mapping[str, Any]) -> Change:
    keys = tuple(record_["keys"])
    if record_["op"] == "set":
        original = record_["original"]
        old = show(ABSENT if original is None else original["value"])
        return Change(key_label(keys), old, show(record_["value"]))
    return Change(
        key_label(keys) + "[+]", record_.get("replaced", "(absent)"), show(record_["value"])
    )


def revert_edits(
    data: dict[str, Any], records: list[dict[str, Any]]
) -> tuple[list[Change], list[str]]:
    """Undo what `records` did, where agentsh's value is still there; say what is left alone."""
    changes: list[Change] = []
    left: list[str] = []
    for entry in reversed(records):
        keys = tuple(entry["keys"])
        label = key_label(keys)
        if entry["op"] == "set":
            parent = _get(data, keys[:-1])
            current = _get(data, keys)
            if current is ABSENT:
                left.append(f"{label} is gone already")
                continue
            if current != entry["value"]:
                left.append(
                    f"{label} is now {show(current)}, not agentsh's value: left alone (changed since the install)"
                )
                continue
            original = entry["original"]
            if original is None:
                del parent[keys[-1]]
                changes.append(Change(label, show(current), "(absent)"))
            else:
                parent[keys[-1]] = original["value"]
                changes.append(Change(label, show(current), show(original["value"])))
        else:
            entries = _get(data, keys)
            if not isinstance(entries, list) or entry["value"] not in entries:
                left.append(
                    f"{label}: agentsh's entry is no longer there as it wrote it: left alone"
                )
                continue
            entries.remove(entry["value"])
            changes.append(Change(label + "[-]", show(entry["value"]), "(absent)"))
        for container in sorted(entry.get("created", []), key=len, reverse=True):
            container_keys = tuple(container)
            holder = _get(data, container_keys[:-1]) if len(container_keys) > 1 else data
            if isinstance(holder, dict) and holder.get(container_keys[-1], None) in ({}, []):
                del holder[container_keys[-1]]
    return changes, left


# TOML: Codex's config.toml, edited line by line ------------------------------------------


def parse_toml(path: str, text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstallError(f"{path} is not valid TOML: {exc}; nothing was changed") from exc


_TABLE_HEADER = re.compile(r"^[ \t]*\[")


def _section_span(lines: list[str], section: str) -> tuple[int, int] | None:
    """Lines [start, end) of `[section]`'s body, or None when there is no such header."""
    header = re.compile(rf"^[ \t]*\[[ \t]*{re.escape(section)}[ \t]*\][ \t]*(#.*)?$")
    for index, line in enumerate(lines):
        if header.match(line.rstrip("\r\n")):
            end = index + 1
            while end < len(lines) and not _TABLE_HEADER.match(lines[end]):
                end += 1
            return index + 1, end
    return None


def _key_line(lines: list[str], span: tuple[int, int], key: str) -> int | None:
    pattern = re.compile(rf"^[ \t]*(?:{re.escape(key)}|\"{re.escape(key)}\")[ \t]*=")
    for index in range(*span):
        if pattern.match(lines[index]):
            return index
    return None


def toml_with(text: str, section: str, key: str, value: bool | _Absent) -> str:
    """`text` with `key` of `[section]` set to a boolean, or removed (ABSENT).

    Only a plain `[section]` table and a `key = ...` line are edited; anything else
    (a dotted key, an inline table) makes the caller refuse, after checking the result.
    """
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, section)
    literal = "true" if value is True else "false"
    if span is None:
        if value is ABSENT:
            return text
        prefix = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
        return f"{text}{prefix}[{section}]\n{key} = {literal}\n"
    index = _key_line(lines, span, key)
    if value is ABSENT:
        if index is not None:
            del lines[index]
        return "".join(lines)
    if index is None:
        body = [i for i in range(*span) if lines[i].strip()]
        at = body[-1] + 1 if body else span[0]
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        lines.insert(at, f"{key} = {literal}\n")
    else:
        match = re.match(r"^([^=]*=[ \t]*)(\S+)(.*)$", lines[index], re.DOTALL)
        assert match is not None
        lines[index] = match.group(1) + literal + match.group(3)
    return "".join(lines)


def without_empty_section(text: str, section: str) -> str:
    """Drop `[section]`'s header when its body is blank (it was created by agentsh)."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, section)
    if span is None or any(line.strip() for line in lines[span[0] : span[1]]):
        return text
    start = span[0] - 1
    if start > 0 and not lines[start - 1].strip():
        start -= 1
    del lines[start : span[0]]
    return "".join(lines)


def toml_edit(path: str, text: str, edits: Iterable[Edit]) -> tuple[str, list[dict[str, Any]]]:
    data = parse_toml(path, text)
    records: list[dict[str, Any]] = []
    for edit in edits:
        assert isinstance(edit, SetKey) and len(edit.keys) == 2
        section, key = edit.keys
        table = data.get(section, ABSENT)
        old = table.get(key, ABSENT) if isinstance(table, dict) else ABSENT
        if old == edit.value:
            continue
        created = [[section]] if table is ABSENT else []
        expected = _toml_expected(data, section, key, edit.value)
        text = toml_with(text, section, key, edit.value)
        _check_toml(path, text, expected, section, key)
        data = expected
        original = None if old is ABSENT else {"value": old}
        records.append(
            {
                "op": "set",
                "keys": [section, key],
                "value": edit.value,
                "original": original,
                "created": created,
            }
        )
    return text, records


def _toml_expected(data: dict[str, Any], section: str, key: str, value: Any) -> dict[str, Any]:
    """`data` as it should parse after `key` of `[section]` is set to `value` (or removed)."""
    expected = {**data}
    table = dict(data.get(section, {})) if isinstance(data.get(section), dict) else {}
    if value is ABSENT:
        table.pop(key, None)
    else:
        table[key] = value
    expected[section] = table
    return expected


def _check_toml(path: str, text: str, expected: dict[str, Any], section: str, key: str) -> None:
    """Refuse a line edit that did not give exactly the intended document."""
    import tomllib

    try:
        result = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        result = None
    if result != expected:
        raise InstallError(
            f"{path}: cannot change `{key}` of [{section}] by a plain line edit (is [{section}] "
            "written as dotted keys or an inline table?); change it by hand; nothing was changed"
        )


def toml_revert(
    path: str, text: str, records: list[dict[str, Any]]
) -> tuple[str, list[Change], list[str]]:
    data = parse_toml(path, text)
    changes: list[Change] = []
    left: list[str] = []
    for entry in reversed(records):
        section, key = entry["keys"]
        label = key_label((section, key))
        table = data.get(section)
        current = table.get(key, ABSENT) if isinstance(table, dict) else ABSENT
        if current is ABSENT:
            left.append(f"{label} is gone already")
            continue
        if current != entry["value"]:
            left.append(
                f"{label} is now {show(current)}, not agentsh's value: left alone (changed since the install)"
            )
            continue
        original = ABSENT if entry["original"] is None else entry["original"]["value"]
        expected = _toml_expected(data, section, key, original)
        text = toml_with(text, section, key, original)
        if entry.get("created") and not expected[section]:
            del expected[section]
            text = without_empty_section(text, section)
        _check_toml(path, text, expected, section, key)
        data = expected
        changes.append(Change(label, show(current), show(original)))
    return text, changes, left


# Files on disk ------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InstallError(f"cannot read {path} ({exc.strerror}); nothing was changed") from exc


def decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InstallError(f"{path} is not UTF-8 text; nothing was changed") from exc


def missing_dirs(folder: str) -> list[str]:
    """The directories `os.makedirs(folder)` would create, outermost first."""
    missing: list[str] = []
    while folder and not os.path.isdir(folder):
        missing.insert(0, folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return missing


def write_atomically(path: str, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` in one step, keeping the old file's permissions."""
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.agentsh-{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def link_atomically(path: str, target: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.agentsh-{os.getpid()}.tmp"
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
    os.symlink(target, temporary)
    os.replace(temporary, path)


def remove_empty_dirs(folders: Iterable[str]) -> None:
    for folder in sorted(folders, key=len, reverse=True):
        try:
            os.rmdir(folder)
        except OSError:
            pass


# The state agentsh keeps about installs ---------------------------------------------


def installs_dir(dirs: paths.Dirs) -> str:
    return os.path.join(dirs.state, "installs")


def manifest_path(dirs: paths.Dirs, agent: str) -> str:
    return os.path.join(installs_dir(dirs), f"{agent}.json")


def read_manifest(dirs: paths.Dirs, agent: str) -> dict[str, Any] | None:
    path = manifest_path(dirs, agent)
    data = read_bytes(path)
    if data is None:
        return None
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise InstallError(
            f"the install record {path} is damaged ({exc}); nothing was changed"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        raise InstallError(f"the install record {path} is not one this agentsh wrote")
    return manifest


def other_manifests(dirs: paths.Dirs, agent: str) -> dict[str, dict[str, Any]]:
    found = {}
    for other in AGENTS:
        if other != agent:
            manifest = read_manifest(dirs, other)
            if manifest is not None:
                found[other] = manifest
    return found


def write_manifest(dirs: paths.Dirs, agent: str, manifest: dict[str, Any]) -> None:
    paths.ensure_private_dir(installs_dir(dirs))
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(manifest_path(dirs, agent), text.encode(), 0o600)


class Backups:
    """Copies of files taken before agentsh changes them, under the state directory."""

    def __init__(self, dirs: paths.Dirs, agent: str, verb: str) -> None:
        import time

        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
        self.root = os.path.join(dirs.state, "install-backups", agent, f"{stamp}-{verb}")
        self.dirs = dirs
        self.made: list[tuple[str, str]] = []

    def keep(self, path: str, data: bytes) -> str:
        paths.ensure_private_dir(os.path.dirname(self.root))
        target = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        write_atomically(target, data, 0o600)
        self.made.append((path, target))
        return target


# Install --------------------------------------------------------------------------------


@record(frozen=False)
class FileOutcome:
    """What install (or uninstall) does to one settings file."""

    path: str
    before: bytes | None
    after: bytes | None
    changes: list[Change]
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    restore: bool = False


@record(frozen=False)
class ArtifactOutcome:
    artifact: Artifact
    action: Literal["present", "create", "replace", "skip"]
    previous: str | None = None
    created_dirs: list[str] = field(default_factory=list)


def _hint(edits: Iterable[Edit]) -> str:
    snippet: dict[str, Any] = {}
    for edit in edits:
        if isinstance(edit, SetKey):
            node = snippet
            for key in edit.keys[:-1]:
                node = node.setdefault(key, {})
            node[edit.keys[-1]] = edit.value
    return json.dumps(snippet, ensure_ascii=False)


def plan_file(settings: SettingsFile) -> FileOutcome:
    path = os.path.realpath(settings.path)
    before = read_bytes(path)
    text = "" if before is None else decode(path, before)
    if settings.format == "toml":
        new_text, records = toml_edit(path, text, settings.edits)
        notes: list[str] = []
    else:
        data = parse_json(path, text, settings.jsonc, _hint(settings.edits))
        style = json_style(text)
        notes = []
        if text.strip() and dump_json(json.loads(text), style) != text:
            notes.append("its other keys are rewritten in standard JSON formatting")
        records = apply_edits(path, data, settings.edits)
        new_text = dump_json(data, style) if records else text
    changes = [describe_install(item) for item in records]
    after = new_text.encode() if records else before
    return FileOutcome(path, before, after, changes, records, notes if records else [])


def plan_artifact(artifact: Artifact) -> ArtifactOutcome:
    path = artifact.path
    if isinstance(artifact, Link):
        if os.path.islink(path):
            current = os.readlink(path)
            if current == artifact.target:
                return ArtifactOutcome(artifact, "present")
            if os.path.basename(current) == "agentsh":
                return ArtifactOutcome(artifact, "replace", current)
        if not os.path.lexists(path):
            return ArtifactOutcome(
                artifact, "create", created_dirs=missing_dirs(os.path.dirname(path))
            )
        what = "a link to " + os.readlink(path) if os.path.islink(path) else "a file"
    else:
        existing = read_bytes(path) if os.path.isfile(path) and not os.path.islink(path) else None
        if existing == artifact.text.encode():
            return ArtifactOutcome(artifact, "present")
        if existing is not None and SCRIPT_MARKER.encode() in existing:
            return ArtifactOutcome(artifact, "replace", sha256(existing))
        if not os.path.lexists(path):
            return ArtifactOutcome(
                artifact, "create", created_dirs=missing_dirs(os.path.dirname(path))
            )
        what = "a file agentsh did not write"
    if isinstance(artifact, Script) and artifact.optional:
        return ArtifactOutcome(artifact, "skip", what)
    raise InstallError(
        f"{path} is already {what}; move it away (or remove it) and run this again; "
        "nothing was changed"
    )


def _artifact_line(outcome: ArtifactOutcome) -> Change:
    artifact = outcome.artifact
    if isinstance(artifact, Link):
        new = f"link to {artifact.target}"
        old = "(absent)" if outcome.action == "create" else f"link to {outcome.previous}"
    else:
        new = f"script running `{artifact.text.splitlines()[-1]}`"
        old = "(absent)" if outcome.action == "create" else "an older agentsh script"
    return Change(artifact.path, old, new)


def _print_line(out: IO[str], change: Change) -> None:
    out.write(f"  {change.where}: {change.old} -> {change.new}\n")


def _print_changes(out: IO[str], title: str, changes: Iterable[Change]) -> None:
    out.write(f"  {title}\n")
    for change in changes:
        out.write(f"      {change.where}: {change.old} -> {change.new}\n")


def install(agent: str, context: Context, dry_run: bool, out: IO[str]) -> int:
    if agent == "openhands":
        out.write(
            OPENHANDS_INSTRUCTIONS.format(
                link=context.bash_link, agentsh=context.agentsh, profile=context.dirs.user_profile
            )
        )
        sys.stderr.write(
            "agentshctl install openhands: not automatable: OpenHands starts its own shell "
            "and no setting names another one (see the instructions above)\n"
        )
        return NOT_AUTOMATABLE
    plan = PLANNERS[agent](context)
    files = [plan_file(settings) for settings in plan.files]
    artifacts = [plan_artifact(artifact) for artifact in plan.artifacts]
    title = AGENT_TITLES[agent]
    for outcome in artifacts:
        if outcome.action == "skip":
            out.write(
                f"warning: {outcome.artifact.path} is already {outcome.previous}: left alone; "
                f"add `{context.hook_command('cline')}` to it by hand\n"
            )
    for warning in plan.warnings:
        out.write(f"warning: {warning}\n")
    if not any(f.changes for f in files) and all(
        a.action in ("present", "skip") for a in artifacts
    ):
        out.write(f"agentsh is already installed for {title}: nothing changed.\n")
        return 0
    out.write(f"{'would change (dry run)' if dry_run else 'changing'} for {title}:\n")
    for outcome in artifacts:
        if outcome.action in ("create", "replace"):
            _print_line(out, _artifact_line(outcome))
    for file in files:
        if file.changes:
            created = " (new file)" if file.before is None else ""
            _print_changes(out, file.path + created, file.changes)
            for note in file.notes:
                out.write(f"      note: {note}\n")
    if dry_run:
        out.write("dry run: nothing was changed.\n")
        return 0
    _apply_install(agent, context, files, artifacts, out)
    if not _on_path(context.local_bin, context.environ) and any(
        a.artifact.path.startswith(context.local_bin + "/") for a in artifacts
    ):
        out.write(f"note: {context.local_bin} is not on your PATH; use the full paths above.\n")
    out.write(f"done. {plan.next_steps}\n")
    return 0


def _on_path(folder: str, environ: Mapping[str, str]) -> bool:
    entries = environ.get("PATH", "").split(":")
    return any(os.path.normpath(entry) == os.path.normpath(folder) for entry in entries if entry)


def _apply_install(
    agent: str,
    context: Context,
    files: list[FileOutcome],
    artifacts: list[ArtifactOutcome],
    out: IO[str],
) -> None:
    dirs = context.dirs
    manifest = read_manifest(dirs, agent) or {
        "version": MANIFEST_VERSION,
        "agent": agent,
        "files": {},
        "artifacts": {},
    }
    backups = Backups(dirs, agent, "install")
    for file in files:
        if not file.changes or file.after is None:
            continue
        entry = manifest["files"].get(file.path)
        backup = None if file.before is None else backups.keep(file.path, file.before)
        created_dirs = missing_dirs(os.path.dirname(file.path))
        write_atomically(file.path, file.after)
        if entry is None:
            entry = {
                "format": "toml" if file.path.endswith(".toml") else "json",
                "pristine": backup,
                "created_dirs": created_dirs,
                "records": [],
                "clean": True,
            }
        else:
            entry["clean"] = entry["clean"] and (
                file.before is not None and sha256(file.before) == entry["written_sha256"]
            )
        entry["written_sha256"] = sha256(file.after)
        entry["records"] = _merge_records(entry["records"], file.records)
        manifest["files"][file.path] = entry
    for outcome in artifacts:
        artifact = outcome.artifact
        path = artifact.path
        if outcome.action in ("create", "replace"):
            if isinstance(artifact, Link):
                link_atomically(path, artifact.target)
            else:
                write_atomically(path, artifact.text.encode(), 0o755)
        if outcome.action == "skip":
            continue
        known = manifest["artifacts"].get(path)
        if known is None or outcome.action != "present":
            manifest["artifacts"][path] = {
                "kind": "link" if isinstance(artifact, Link) else "script",
                "target": artifact.target if isinstance(artifact, Link) else None,
                "sha256": None if isinstance(artifact, Link) else sha256(artifact.text.encode()),
                "owned": outcome.action != "present" or (known or {}).get("owned", False),
                "previous": outcome.previous if isinstance(artifact, Link) else None,
                "shared": artifact.shared,
                "created_dirs": outcome.created_dirs,
            }
    write_manifest(dirs, agent, manifest)
    for original, copy in backups.made:
        out.write(f"backup of {original} before the change: {copy}\n")
    out.write(f"record of this install (used by uninstall): {manifest_path(dirs, agent)}\n")


def _merge_records(
    earlier: list[dict[str, Any]], later: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One record per key: the first original value (from before agentsh) and the last value."""
    merged = {(item["op"], tuple(item["keys"])): item for item in earlier}
    for item in later:
        key = (item["op"], tuple(item["keys"]))
        if key in merged:
            first = merged[key]
            combined = {**item, "created": first.get("created", []) or item.get("created", [])}
            if item["op"] == "set":
                combined["original"] = first["original"]
            merged[key] = combined
        else:
            merged[key] = item
    return list(merged.values())


# Uninstall ----------------------------------------------------------------------------


def plan_revert(path: str, entry: Mapping[str, Any]) -> FileOutcome:
    current = read_bytes(path)
    records = entry["records"]
    if current is None:
        return FileOutcome(path, None, None, [], notes=["the file is gone already"])
    inverse = [_inverse(describe_install(item)) for item in reversed(records)]
    if entry.get("clean") and sha256(current) == entry["written_sha256"]:
        pristine = entry["pristine"]
        after = None if pristine is None else read_bytes(pristine)
        if pristine is not None and after is None:
            raise InstallError(f"the backup {pristine} of {path} is missing; nothing was changed")
        note = (
            f"unchanged since the install: back to the backup {pristine} byte for byte"
            if pristine
            else "unchanged since the install, which created it: removed"
        )
        return FileOutcome(path, current, after, inverse, notes=[note], restore=True)
    text = decode(path, current)
    if entry["format"] == "toml":
        new_text, changes, left = toml_revert(path, text, records)
    else:
        data = parse_json(path, text)
        changes, left = revert_edits(data, records)
        new_text = dump_json(data, json_style(text)) if changes else text
    return FileOutcome(path, current, new_text.encode(), changes, notes=left)


def _inverse(change: Change) -> Change:
    where = change.where.replace("[+]", "[-]")
    return Change(where, change.new, change.old)


def uninstall(agent: str, context: Context, dry_run: bool, out: IO[str]) -> int:
    title = AGENT_TITLES[agent]
    dirs = context.dirs
    if agent == "openhands":
        out.write("agentsh changes nothing for OpenHands, so there is nothing to undo.\n")
        return 0
    manifest = read_manifest(dirs, agent)
    if manifest is None:
        out.write(
            f"no record of an install for {title} in {manifest_path(dirs, agent)}: "
            "nothing to undo.\n"
        )
        return 0
    files = [plan_revert(path, entry) for path, entry in manifest["files"].items()]
    others = other_manifests(dirs, agent)
    removals: list[tuple[str, dict[str, Any], str]] = []
    kept: list[str] = []
    for path, item in manifest["artifacts"].items():
        users = [name for name, other in others.items() if path in other["artifacts"]]
        action, reason = _artifact_removal(path, item, users)
        if action == "keep":
            kept.append(f"{path}: {reason}")
        else:
            removals.append((path, item, action))
    verb = "would undo (dry run)" if dry_run else "undoing"
    out.write(f"{verb} agentsh's install for {title}:\n")
    for path, item, action in removals:
        old = f"link to {item['target']}" if item["kind"] == "link" else "agentsh's script"
        new = f"link to {item['previous']}" if action == "restore" else "(absent)"
        _print_line(out, Change(path, old, new))
    for file in files:
        if file.changes or file.notes:
            _print_changes(out, file.path, file.changes)
            for note in file.notes:
                out.write(f"      note: {note}\n")
    for line in kept:
        out.write(f"  left alone: {line}\n")
    if dry_run:
        out.write("dry run: nothing was changed.\n")
        return 0
    backups = Backups(dirs, agent, "uninstall")
    emptied: list[str] = []
    for file in files:
        if file.before is None or (file.after == file.before and not file.restore):
            continue
        backups.keep(file.path, file.before)
        if file.after is None:
            os.unlink(file.path)
            emptied += manifest["files"][file.path].get("created_dirs", [])
        else:
            write_atomically(file.path, file.after)
    for path, item, action in removals:
        if action == "restore":
            link_atomically(path, item["previous"])
        else:
            os.unlink(path)
            emptied += item.get("created_dirs", [])
    remove_empty_dirs(emptied)
    _hand_over_shared(dirs, manifest, others)
    os.unlink(manifest_path(dirs, agent))
    for original, copy in backups.made:
        out.write(f"backup of {original} before the change: {copy}\n")
    out.write(f"done. {title} no longer uses agentsh (restart it).\n")
    return 0


def _artifact_removal(path: str, item: Mapping[str, Any], users: list[str]) -> tuple[str, str]:
    if users:
        return "keep", f"still used by {', '.join(users)}"
    if item["kind"] == "link":
        current = os.readlink(path) if os.path.islink(path) else None
        if current != item["target"]:
            return "keep", "changed since agentsh made it"
    else:
        data = read_bytes(path) if os.path.isfile(path) and not os.path.islink(path) else None
        if data is None or sha256(data) != item["sha256"]:
            return "keep", "changed since agentsh wrote it" if data else "gone already"
    if not item.get("owned"):
        return "keep", "it was there before this install"
    if item["kind"] == "link" and item.get("previous"):
        return "restore", ""
    return "remove", ""


def _hand_over_shared(
    dirs: paths.Dirs, manifest: Mapping[str, Any], others: dict[str, dict[str, Any]]
) -> None:
    """A shared link this install made, still used by another agent, becomes that agent's."""
    for path, item in manifest["artifacts"].items():
        if not item.get("owned"):
            continue
        for name, other in others.items():
            theirs = other["artifacts"].get(path)
            if theirs is not None and not theirs.get("owned"):
                theirs["owned"] = True
                theirs["created_dirs"] = item.get("created_dirs", [])
                theirs["previous"] = item.get("previous")
                write_manifest(dirs, name, other)
                break


# The verbs -------------------------------------------------------------------------------


def context_for(environ: Mapping[str, str], argv0: str) -> Context:
    dirs = paths.dirs(environ)
    agentsh, agentshctl = find_executables(argv0, environ)
    return Context(environ, dirs, agentsh, agentshctl)


def run(verb: str, agent: str, dry_run: bool, environ: Mapping[str, str], argv0: str) -> int:
    context = context_for(environ, argv0)
    action = install if verb == "install" else uninstall
    return action(agent, context, dry_run, sys.stdout)
