"""`agentshctl hook AGENT`: agentsh's verdict on a shell command, in a coding agent's own hook format.

Each agent below can run a command before it runs a shell command: it writes
JSON describing the call on the hook's stdin and reads the answer from the
hook's stdout and exit status. This module turns that JSON into a command line
and a working directory, asks the same policy as `agentshctl check`, and
answers in the agent's terms, so that agentsh's decision shows up in the
agent's own UI. The hook only advises: it runs nothing and writes no audit
entry (the audit log records what agentsh runs); for Codex the advice names the
command to run instead, which hands the call to agentsh.

The contracts, as each agent documents them:

claude-code  https://code.claude.com/docs/en/hooks (PreToolUse)
    In: `hook_event_name` "PreToolUse", `tool_name` ("Bash" for shell commands),
    `tool_input.command`, `cwd`. Out (exit 0): `hookSpecificOutput` with
    `hookEventName` "PreToolUse", `permissionDecision` "allow" | "deny" | "ask"
    and `permissionDecisionReason` (shown to Claude on deny, to the user on ask).
    Exit 0 with no output lets the normal flow run; exit 2 blocks with stderr as
    the reason; other statuses are non-blocking errors (the call proceeds).
cursor  https://cursor.com/docs/hooks (beforeShellExecution, preToolUse)
    In: `hook_event_name`, `command`, `cwd`, `workspace_roots`. Out (exit 0):
    `permission` "allow" | "deny" | "ask", `user_message`, `agent_message`
    (Cursor 1.7's first docs spelled them `userMessage`/`agentMessage`; the
    current docs use snake_case, which is what this emits). The generic
    preToolUse event (`tool_name` "Shell", `tool_input.command`) documents only
    allow and deny. Exit 2 also denies. A crash, a timeout or no output fails
    open unless the hook is configured with `failClosed`; invalid JSON is a deny.
codex  https://developers.openai.com/codex/hooks (PreToolUse)
    In: Claude Code's shape (`tool_name` "Bash" for every shell tool,
    `tool_input.command`, `cwd`, plus `turn_id`, `model`, `tool_use_id`); `cwd`
    is the turn's directory, not the call's `workdir`. Codex blocks on exit 2
    with the reason on stderr, or `permissionDecision` "deny" JSON. It reports
    `ask`, and an `allow` without `updatedInput`, as unsupported hook output
    and runs the command anyway (codex-rs/hooks/src/engine/output_parser.rs),
    as it does for any JSON it cannot parse. From Codex 0.131.0 on
    (openai/codex#20527, merged 2026-05-12) `hookSpecificOutput` with
    `permissionDecision` "allow" and `updatedInput` `{"command": "..."}`
    replaces the command (output_parser.rs parse_pre_tool_use; hooks/src/
    events/pre_tool_use.rs; core/src/tools/registry.rs dispatch applies it
    with `with_updated_hook_input` before the handler runs), and the rewritten
    command then goes through Codex's own approval policy and sandbox as any
    other: this `allow` means "not blocked", it skips nothing. The shell tools
    put the new text where the old was (`shell_command.command`,
    `exec_command.cmd`, shlex-split into the legacy `shell` argv;
    core/src/tools/handlers), so it runs in the call's own `workdir`. A call
    Codex made as argv (`tool_input.kind` "argv", with `program` and `args`)
    takes only an argv rewrite. Codex 0.124 to 0.130 report `updatedInput` as
    unsupported and run the original command.
    So a deny is exit 2 with stderr, the form with the fewest ways to be
    misread; an allowed command becomes `<agentsh> -c '<command>'`, so that
    agentsh judges it again where it really runs, sandboxes and audits it; a
    confirm becomes that rewrite too when the Codex running the hook applies
    rewrites (agentsh then asks a human, through `agentshctl approvals`, as
    Codex gives commands no terminal a human answers in), and a deny on an
    older or unidentified Codex. Which Codex runs the hook is read from the
    nearest ancestor process whose executable is named `codex`, by running
    it with `--version`.
gemini  https://geminicli.com/docs/hooks/reference (BeforeTool)
    In: `hook_event_name` "BeforeTool", `tool_name` "run_shell_command",
    `tool_input.command` (and `dir_path`, relative to the project), `cwd`.
    Out (exit 0): `decision` "allow" | "deny" (alias "block") and `reason`,
    sent to the model as the tool's error; `{}` has no effect. Newer releases
    also act on an undocumented `decision: "ask"` (gemini-cli PR #21146), but
    older ones treat any other value as not blocking, so a confirm is a deny.
cline  https://docs.cline.bot/features/hooks/hook-reference (PreToolUse)
    In: `hookName` "PreToolUse", `preToolUse.toolName` ("execute_command"),
    `preToolUse.parameters.command`, `workspaceRoots`. Out: `cancel` (required),
    `errorMessage` (shown to the user), `contextModification` (given to the
    model). There is no ask, and the hook runs after Cline's own approval, so a
    confirm is a deny.

"Allow" means letting the agent's normal flow run, never an explicit allow
that would skip the agent's own permission prompt: Claude Code gets no output,
Gemini `{}`, Codex the rewrite (no output when it would not apply it). Cursor
has no "no opinion" answer (no output counts as a failed hook), so it gets
`permission: allow`; Cline requires `cancel: false`, which bypasses nothing
since Cline has already asked. Tool calls that are not shell commands get the
same answer (Codex: no output, nothing to rewrite): agentsh judges shell
commands only.
Input that does not match the agent's documented shape, and any failure while
judging, is denied with a one-line message on stderr, never allowed.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import shlex
import sys

from agentsh import judge
from agentsh.errors import AgentshError
from agentsh.policy.model import Decision, Verdict
from agentsh.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import BinaryIO

    from agentsh.profile.model import Profile
    from agentsh.sandbox.secrets import Hidden
    from agentsh.supervisor import Workspace

MAX_PAYLOAD_BYTES = 1 << 20
"""Hook input beyond this is refused; no agent sends a shell command this long."""
MAX_DRAINED_BYTES = 64 << 20
"""Input past the limit is read and dropped up to here, so the agent's write does not fail."""
MAX_LINE = 500
PROC = "/proc"
MAX_ANCESTORS_TO_CODEX = 4
"""Codex runs a hook as `$SHELL -lc COMMAND`: Codex is the hook's parent or grandparent."""


class MalformedPayload(Exception):
    """The hook input does not have the shape the agent documents."""


class Advice(enum.Enum):
    PROCEED = "proceed"
    ASK = "ask"
    DENY = "deny"
    RUN_IN_AGENTSH = "run in agentsh"
    """Let the call go ahead, rewritten so that agentsh runs it (Codex only)."""


class CodexRewrites(enum.Enum):
    """Whether the Codex that runs the hook acts on a rewritten command."""

    APPLIED = "applied"
    IGNORED = "ignored"
    """An older Codex: it reports the rewrite as an error and runs the original command."""
    UNKNOWN = "unknown"


@record
class ShellCall:
    """The shell command an agent is about to run, and where."""

    command: str
    cwd: str | None = None
    subdir: str | None = None
    """A directory the agent names relative to `cwd` (Gemini's `dir_path`)."""
    can_ask: bool = True
    """Whether this agent event can hand the decision to the user."""
    as_argv: bool = False
    """The agent gave the command as a program and arguments (Codex's `kind: "argv"`), so a
    rewrite must be one too; `command` is then their shell-quoted join."""


@record
class Ruling:
    advice: Advice
    reason: str = ""
    agentsh_argv: tuple[str, ...] = ()
    """For RUN_IN_AGENTSH: the agentsh command line that runs the call instead."""
    as_argv: bool = False
    """For RUN_IN_AGENTSH: answer with a program and arguments rather than a command line."""


@record
class Handoff:
    """What handing a call to agentsh needs: agentsh's path, and whether the agent obeys."""

    agentsh: str
    codex_rewrites: Callable[[], CodexRewrites] = field(compare=False)
    """Asked only about a call that is not denied (it may run `codex --version`)."""


@record
class HookReply:
    stdout: str
    exit_code: int = 0
    stderr: str = ""


@record
class Adapter:
    name: str
    shell_call: Callable[[Mapping[str, object]], ShellCall | None]
    """The shell command in a payload; None for other tools and events."""
    reply: Callable[[Ruling], HookReply]
    hands_off_to_agentsh: bool = False
    """The agent runs the command the hook rewrites, so allowed calls can run in agentsh."""


def one_line(text: str) -> str:
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned if len(cleaned) <= MAX_LINE else cleaned[: MAX_LINE - 1] + "…"


def _text(mapping: Mapping[str, object], key: str, where: str = "") -> str | None:
    value = mapping.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MalformedPayload(f"{where}{key} is {type(value).__name__}, not a string")


def _required_text(mapping: Mapping[str, object], key: str, where: str = "") -> str:
    value = _text(mapping, key, where)
    if value is None:
        raise MalformedPayload(f"{where}{key} is missing")
    return value


def _required_object(
    mapping: Mapping[str, object], key: str, where: str = ""
) -> Mapping[str, object]:
    value = mapping.get(key)
    if isinstance(value, dict):
        return value
    if value is None:
        raise MalformedPayload(f"{where}{key} is missing")
    raise MalformedPayload(f"{where}{key} is {type(value).__name__}, not an object")


def _command(mapping: Mapping[str, object], where: str) -> str:
    command = _required_text(mapping, "command", where)
    if not command.strip():
        raise MalformedPayload(f"{where}command is empty")
    return command


def _first_root(mapping: Mapping[str, object], key: str) -> str | None:
    roots = mapping.get(key)
    if roots is None:
        return None
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        raise MalformedPayload(f"{key} is not a list of strings")
    return str(roots[0]) if roots else None


def claude_code_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hook_event_name") not in (None, "PreToolUse"):
        return None
    if _required_text(payload, "tool_name") != "Bash":
        return None
    tool_input = _required_object(payload, "tool_input")
    return ShellCall(_command(tool_input, "tool_input."), _text(payload, "cwd"))


def codex_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    call = claude_code_shell_call(payload)
    if call is None:
        return None
    kind = _text(_required_object(payload, "tool_input"), "kind", "tool_input.")
    if kind not in (None, "script", "argv"):
        raise MalformedPayload(f"tool_input.kind is {kind!r}, which agentsh cannot run")
    return ShellCall(call.command, call.cwd, can_ask=False, as_argv=kind == "argv")


def cursor_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    event = _text(payload, "hook_event_name")
    if event in (None, "beforeShellExecution"):
        cwd = _text(payload, "cwd") or _first_root(payload, "workspace_roots")
        return ShellCall(_command(payload, ""), cwd)
    if event == "preToolUse" and _required_text(payload, "tool_name") == "Shell":
        tool_input = _required_object(payload, "tool_input")
        cwd = (
            _text(tool_input, "working_directory", "tool_input.")
            or _text(payload, "cwd")
            or _first_root(payload, "workspace_roots")
        )
        return ShellCall(_command(tool_input, "tool_input."), cwd, can_ask=False)
    return None


def gemini_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hook_event_name") not in (None, "BeforeTool"):
        return None
    if _required_text(payload, "tool_name") != "run_shell_command":
        return None
    tool_input = _required_object(payload, "tool_input")
    subdir = _text(tool_input, "dir_path", "tool_input.") or _text(
        tool_input, "directory", "tool_input."
    )
    return ShellCall(
        _command(tool_input, "tool_input."), _text(payload, "cwd"), subdir, can_ask=False
    )


def cline_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hookName") not in (None, "PreToolUse"):
        return None
    tool = _required_object(payload, "preToolUse")
    if _required_text(tool, "toolName", "preToolUse.") != "execute_command":
        return None
    parameters = _required_object(tool, "parameters", "preToolUse.")
    cwd = _first_root(payload, "workspaceRoots")
    return ShellCall(_command(parameters, "preToolUse.parameters."), cwd, can_ask=False)


def _json_reply(value: object, exit_code: int = 0) -> HookReply:
    return HookReply(json.dumps(value) + "\n", exit_code)


def claude_code_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return HookReply("")
    return _json_reply(
        {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": ruling.advice.value,
                "permissionDecisionReason": ruling.reason,
            }
        }
    )


def codex_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return HookReply("")
    if ruling.advice is not Advice.RUN_IN_AGENTSH:
        return HookReply("", 2, ruling.reason + "\n")
    program, *arguments = ruling.agentsh_argv
    updated_input: dict[str, object] = (
        {"kind": "argv", "program": program, "args": arguments}
        if ruling.as_argv
        else {"command": shlex.join(ruling.agentsh_argv)}
    )
    answer: dict[str, object] = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "allow",
            "updatedInput": updated_input,
        }
    }
    if ruling.reason:
        answer["systemMessage"] = ruling.reason
    return _json_reply(answer)


def cursor_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({"permission": "allow"})
    return _json_reply(
        {
            "permission": ruling.advice.value,
            "user_message": ruling.reason,
            "agent_message": ruling.reason,
        }
    )


def gemini_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({})
    return _json_reply({"decision": "deny", "reason": ruling.reason})


def cline_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({"cancel": False})
    return _json_reply(
        {"cancel": True, "errorMessage": ruling.reason, "contextModification": ruling.reason}
    )


ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        Adapter("claude-code", claude_code_shell_call, claude_code_reply),
        Adapter("cursor", cursor_shell_call, cursor_reply),
        Adapter("codex", codex_shell_call, codex_reply, hands_off_to_agentsh=True),
        Adapter("gemini", gemini_shell_call, gemini_reply),
        Adapter("cline", cline_shell_call, cline_reply),
    )
}
AGENTS = tuple(ADAPTERS)


def decode_payload(raw: bytes) -> dict[str, object]:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise MalformedPayload(f"the hook input is larger than {MAX_PAYLOAD_BYTES >> 10} KiB")
    if not raw.strip():
        raise MalformedPayload("the hook input is empty")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedPayload("the hook input is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise MalformedPayload("the hook input is not valid JSON") from None
    if not isinstance(value, dict):
        raise MalformedPayload(f"the hook input is a JSON {type(value).__name__}, not an object")
    return value


def _first_reason(verdict: Verdict) -> tuple[str, str, int]:
    """The message and rule of the first finding behind the decision, and how many more."""
    shown = [f for f in verdict.findings if f.decision == verdict.decision] or list(
        verdict.findings
    )
    if not shown:
        return f"the policy decided {verdict.decision} without a reason", "none", 0
    return shown[0].message, shown[0].rule, len(shown) - 1


def rule_on(verdict: Verdict, can_ask: bool) -> Ruling:
    if verdict.decision == Decision.ALLOW:
        return Ruling(Advice.PROCEED)
    message, rule, more = _first_reason(verdict)
    if verdict.decision == Decision.CONFIRM and can_ask:
        extra = f" (and {more} more)" if more else ""
        return Ruling(
            Advice.ASK, one_line(f"agentsh asks a human to approve: {message}{extra} [rule {rule}]")
        )
    if verdict.findings:
        return Ruling(Advice.DENY, one_line(judge.blocked_line(verdict)))
    return Ruling(Advice.DENY, one_line(f"agentsh: blocked: {message} [rule {rule}]"))


def command_run_by(agentsh: str, command: str) -> str | None:
    """COMMAND when `command` is exactly `<agentsh> -c COMMAND` as the rewrite writes it (so it
    runs in agentsh already); None for anything else, however close."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if (
        len(words) == 3
        and words[1] == "-c"
        and os.path.realpath(words[0]) == os.path.realpath(agentsh)
        and shlex.join(words) == command
    ):
        return words[2]
    return None


def hand_off(
    call: ShellCall, judge_call: Callable[[ShellCall], Verdict], locate: Callable[[], Handoff]
) -> Ruling:
    """The ruling for an agent that runs the command the hook rewrites: a deny stays a deny;
    anything else runs in agentsh, which judges it again where it really runs, asks a human
    when the policy says so, sandboxes and audits it."""
    handoff = locate()
    inner = command_run_by(handoff.agentsh, call.command)
    if inner is not None:
        verdict = judge_call(ShellCall(inner, call.cwd, call.subdir, can_ask=False))
        if verdict.decision == Decision.DENY:
            return rule_on(verdict, False)
        return Ruling(Advice.PROCEED)
    verdict = judge_call(call)
    if verdict.decision == Decision.DENY:
        return rule_on(verdict, False)
    rewrites = handoff.codex_rewrites()
    if verdict.decision == Decision.CONFIRM:
        if rewrites is not CodexRewrites.APPLIED:
            return rule_on(verdict, False)
        message, rule, more = _first_reason(verdict)
        extra = f" (and {more} more)" if more else ""
        reason = one_line(
            f"agentsh asks a human to approve: {message}{extra} [rule {rule}]; answer in "
            "`agentshctl approvals`"
        )
    elif rewrites is CodexRewrites.IGNORED:
        return Ruling(Advice.PROCEED)
    else:
        reason = ""
    return Ruling(
        Advice.RUN_IN_AGENTSH, reason, (handoff.agentsh, "-c", call.command), call.as_argv
    )


def refusal(adapter: Adapter, problem: str) -> HookReply:
    """A deny for input or a failure agentsh cannot judge, with the one-line error on stderr."""
    line = one_line(
        f"agentshctl hook {adapter.name}: {problem}; denied, as agentsh cannot judge it"
    )
    reply = adapter.reply(Ruling(Advice.DENY, line))
    return HookReply(reply.stdout, reply.exit_code, reply.stderr or line + "\n")


def respond(
    agent: str,
    raw: bytes,
    judge_call: Callable[[ShellCall], Verdict],
    locate: Callable[[], Handoff] | None = None,
) -> HookReply:
    """The whole answer to one hook invocation; `judge_call` and, for an agent that runs a
    rewritten command, `locate` (default: `locate_handoff`) are the only I/O."""
    adapter = ADAPTERS[agent]
    try:
        call = adapter.shell_call(decode_payload(raw))
    except MalformedPayload as exc:
        return refusal(adapter, str(exc))
    except Exception as exc:
        return refusal(adapter, f"internal error reading the input ({type(exc).__name__}: {exc})")
    if call is None:
        return adapter.reply(Ruling(Advice.PROCEED))
    try:
        if adapter.hands_off_to_agentsh:
            return adapter.reply(hand_off(call, judge_call, locate or locate_handoff))
        verdict = judge_call(call)
        return adapter.reply(rule_on(verdict, call.can_ask))
    except AgentshError as exc:
        return refusal(adapter, exc.message)
    except Exception as exc:
        return refusal(adapter, f"internal error ({type(exc).__name__}: {exc})")


def working_directory(call: ShellCall) -> str:
    """The payload's directory when it names an existing absolute one, else the hook's own."""
    if call.cwd and os.path.isabs(call.cwd) and os.path.isdir(call.cwd):
        base = call.cwd
    else:
        base = os.getcwd()
    if call.subdir:
        candidate = os.path.normpath(os.path.join(base, call.subdir))
        if os.path.isdir(candidate):
            return candidate
    return base


def _hidden_paths(space: Workspace, profile: Profile, environ: Mapping[str, str]) -> list[Hidden]:
    """`hidden_paths`, wherever it lives (it may move from supervisor to sandbox.discovery)."""
    from agentsh import supervisor

    finder = getattr(supervisor, "hidden_paths", None)
    if finder is None:
        finder = importlib.import_module("agentsh.sandbox.discovery").hidden_paths
    hidden: list[Hidden] = finder(space, profile, environ)
    return hidden


def judge_shell_call(call: ShellCall) -> Verdict:
    """What `agentshctl check` decides for this command in its directory."""
    from agentsh import paths, supervisor
    from agentsh import profile as profiles

    cwd = working_directory(call)
    dirs = paths.dirs(os.environ)
    root = paths.project_root(cwd)
    profile = profiles.load(profiles.discover(cwd, dirs), dirs)
    space = supervisor.Workspace(cwd, root, True, dirs)
    hidden = _hidden_paths(space, profile, os.environ)
    return judge.judge(call.command, cwd, root, dirs.home, profile, hidden)


def _parent_pid(pid: int, proc: str) -> int | None:
    try:
        with open(os.path.join(proc, str(pid), "stat"), encoding="utf-8", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state, ppid, ...
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def running_codex(start_pid: int, proc: str = PROC) -> str | None:
    """The executable of the nearest process from `start_pid` up whose executable is named
    `codex` (the Rust binary, also under npm's node wrapper), or None."""
    pid: int | None = start_pid
    for _ in range(MAX_ANCESTORS_TO_CODEX):
        if pid is None or pid <= 1:
            return None
        try:
            executable = os.readlink(os.path.join(proc, str(pid), "exe"))
        except OSError:
            executable = ""
        if os.path.basename(executable) == "codex":
            return executable
        pid = _parent_pid(pid, proc)
    return None


def codex_rewrites(start_pid: int, proc: str = PROC) -> CodexRewrites:
    """Whether the Codex running this hook (found from `start_pid` up) applies rewrites."""
    from agentsh.ctl.install import codex_applies_hook_rewrites, codex_version_output

    executable = running_codex(start_pid, proc)
    if executable is None:
        return CodexRewrites.UNKNOWN
    applies = codex_applies_hook_rewrites(codex_version_output(executable, timeout=5))
    if applies is None:
        return CodexRewrites.UNKNOWN
    return CodexRewrites.APPLIED if applies else CodexRewrites.IGNORED


def locate_handoff() -> Handoff:
    """The agentsh installed beside this agentshctl, and what the Codex running us does."""
    from agentsh.ctl.install import find_executables

    agentsh, _ = find_executables(sys.argv[0], os.environ)
    parent = os.getppid()
    return Handoff(agentsh, lambda: codex_rewrites(parent))


def read_payload(stream: BinaryIO) -> bytes:
    """Up to MAX_PAYLOAD_BYTES + 1 bytes (one more tells that it was too long)."""
    data = stream.read(MAX_PAYLOAD_BYTES + 1)
    if len(data) > MAX_PAYLOAD_BYTES:
        drained = 0
        while drained < MAX_DRAINED_BYTES and (chunk := stream.read(1 << 16)):
            drained += len(chunk)
    return data


def main(agent: str) -> int:
    try:
        reply = respond(agent, read_payload(sys.stdin.buffer), judge_shell_call)
    except Exception as exc:
        reply = refusal(
            ADAPTERS[agent], f"cannot read the hook input ({type(exc).__name__}: {exc})"
        )
    sys.stdout.write(reply.stdout)
    sys.stdout.flush()
    sys.stderr.write(reply.stderr)
    return reply.exit_code
