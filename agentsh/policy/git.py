"""git rules: losing uncommitted work, rewriting or deleting history, and hidden programs.

Everyday work stays allow: reading (`status`, `log`, `diff` …), committing,
branching, merging, rebasing, an ordinary `push`. Confirm is for what cannot be
undone from the repository itself: discarding uncommitted edits (`reset --hard`,
`checkout -- path`, `restore`, `clean -f`), overwriting or deleting remote refs
(force push, `push --delete`, `:branch`), deleting local refs or the reflog and
objects that would let a human recover (`branch -D`, `reflog expire`,
`gc --prune=now`), and history rewriting tools (`filter-branch`, `filter-repo`).

git can also run programs the engine never sees: aliases (`git nuke`),
`-c alias.x=!cmd`, `-c core.sshCommand=…`, `GIT_SSH_COMMAND=…`, `rebase --exec`,
`bisect run`, `submodule foreach`. Those are confirm, since the hidden program
could be anything.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Sequence

from agentsh.policy import lazyre
from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.model import Context, Decision, Finding, SimpleCommand, finding
from agentsh.records import field, record

# --------------------------------------------------------------------------- tables

_KNOWN_SUBCOMMAND_NAMES = """
    add am annotate apply archimport archive backfill bisect blame branch bugreport bundle
    cat-file check-attr check-ignore check-mailmap check-ref-format checkout checkout-index
    cherry cherry-pick citool clean clone column commit commit-graph commit-tree config
    count-objects credential credential-cache credential-store cvsexportcommit cvsimport
    cvsserver daemon describe diagnose diff diff-files diff-index diff-tree difftool
    fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref
    for-each-repo format-patch fsck fsmonitor--daemon gc get-tar-commit-id gitk grep gui
    hash-object help hook http-backend imap-send index-pack init init-db instaweb
    interpret-trailers last-modified log ls-files ls-remote ls-tree mailinfo mailsplit
    maintenance merge merge-base merge-file merge-index merge-one-file merge-tree mergetool
    mktag mktree multi-pack-index mv name-rev notes p4 pack-objects pack-redundant pack-refs
    patch-id prune prune-packed pull push quiltimport range-diff read-tree rebase receive-pack
    reflog refs remote repack replace replay request-pull rerere reset restore rev-list
    rev-parse revert rm scalar send-email send-pack shortlog show show-branch show-index
    show-ref sparse-checkout stage stash status stripspace submodule subtree svn switch
    symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info
    upload-archive upload-pack var verify-commit verify-pack verify-tag version whatchanged
    worktree write-tree lfs filter-repo absorb
"""
KNOWN_SUBCOMMANDS: frozenset[str] = frozenset(_KNOWN_SUBCOMMAND_NAMES.split())
"""Built-in commands plus a few well-known extensions; anything else may be an alias."""

_GLOBAL_VALUE_OPTIONS = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix",
     "--attr-source", "--list-cmds"}
)  # fmt: skip

_PROGRAM_CONFIG_KEYS = lazyre.compile(
    r"""^(?:
        alias\..+
      | core\.(?:sshcommand|hookspath|fsmonitor|pager|editor|askpass|gitproxy
               |alternaterefscommand)
      | sequence\.editor | diff\.external | diff\..+\.(?:textconv|command)
      | filter\..+\.(?:clean|smudge|process) | merge\..+\.driver
      | (?:difftool|mergetool|browser|man)\..+\.(?:cmd|path) | web\.browser
      | credential(?:\..+)?\.helper | gpg(?:\..+)?\.program | pager\..+
      | uploadpack\.packobjectshook | init\.templatedir | include\.path | includeif\..+\.path
      | interactive\.difffilter | remote\..+\.(?:uploadpack|receivepack)
      | submodule\..+\.update | trailer\..+\.(?:command|cmd) | sendemail\.(?:tocmd|cccmd)
      | protocol\.(?:ext\.)?allow
    )$""",
    re.VERBOSE,
)
"""Config keys whose value is a program (or a file of config) git would run or read."""

_HARMLESS_PROGRAMS = frozenset(
    {"", "cat", "true", "false", ":", "less", "more", "head", "tail", "vi", "vim", "nvim",
     "nano", "emacs", "code", "/dev/null", "0", "1", "no", "off", "yes", "on", "never"}
)  # fmt: skip
"""Values of program-valued settings that run nothing of interest (`core.pager=cat`)."""

_PROGRAM_ENV = frozenset(
    {"GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
     "GIT_PAGER", "PAGER", "EDITOR", "VISUAL", "GIT_ASKPASS", "SSH_ASKPASS",
     "GIT_PROXY_COMMAND", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR", "GIT_CONFIG_PARAMETERS",
     "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"}
)  # fmt: skip
_CONFIG_ENV_KEY_RE = lazyre.compile(r"^GIT_CONFIG_KEY_(\d+)$")

# --------------------------------------------------------------------------- the parsed command


@record(frozen=False)
class GitCall:
    """A git command line with the global options taken apart."""

    subcommand: str | None
    args: tuple[str, ...]
    dynamic_args: frozenset[int] = frozenset()
    """Indexes into `args` of words known only at run time."""
    subcommand_is_static: bool = True
    repository: str = "this repository"
    config: list[tuple[str, str]] = field(default_factory=list)
    exec_path: str | None = None


def _split_global_options(cmd: SimpleCommand, ctx: Context) -> GitCall:
    argv = cmd.argv
    first = 1 if cmd.program.startswith("git-") else None
    call = GitCall(None, ())
    i = 1
    while first is None and i < len(argv):
        word = argv[i]
        if not word.startswith("-"):
            first = i + 1
            call.subcommand_is_static = cmd.is_static(i)
            break
        name, eq, value = word.partition("=")
        if not eq and name in _GLOBAL_VALUE_OPTIONS and i + 1 < len(argv):
            value, i = argv[i + 1], i + 1
        elif not eq and name.startswith("-C") and len(name) > 2:
            name, value = "-C", name[2:]
        _apply_global_option(call, name, value, ctx)
        i += 1
    if first is not None:
        call.subcommand = cmd.program[4:] if first == 1 else argv[first - 1]
        call.args = argv[first:]
        call.dynamic_args = frozenset(j - first for j in cmd.dynamic if j >= first)
    return call


def _apply_global_option(call: GitCall, name: str, value: str, ctx: Context) -> None:
    if name == "-c":
        key, _, setting = value.partition("=")
        call.config.append((key, setting))
    elif name == "--config-env":
        key, _, variable = value.partition("=")
        call.config.append((key, "$" + variable))
    elif name in {"-C", "--git-dir", "--work-tree"}:
        base = ctx.cwd if call.repository == "this repository" else call.repository
        call.repository = posixpath.normpath(posixpath.join(base, value))
    elif name == "--exec-path" and value:
        call.exec_path = value


_SAFE_SSH_SETTINGS = frozenset(
    {"stricthostkeychecking", "userknownhostsfile", "identitiesonly", "identityfile",
     "batchmode", "connecttimeout", "port", "user", "loglevel", "serveraliveinterval",
     "serveralivecountmax", "hostkeyalgorithms", "pubkeyacceptedkeytypes",
     "pubkeyacceptedalgorithms", "addkeystoagent", "forwardagent"}
)  # fmt: skip
_SSH_FLAGS_RE = lazyre.compile(r"^-[vqT46CAaxNn]+$")


def _is_plain_ssh(words: Sequence[str]) -> bool:
    """`ssh -i key -o StrictHostKeyChecking=no`: ssh options that run no local command."""
    i = 1
    while i < len(words):
        word = words[i]
        if word in {"-i", "-p", "-l"}:
            i += 2
        elif word.startswith("-o"):
            setting = word[2:] or (words[i + 1] if i + 1 < len(words) else "")
            if setting.split("=")[0].strip().lower() not in _SAFE_SSH_SETTINGS:
                return False
            i += 1 if word[2:] else 2
        elif _SSH_FLAGS_RE.match(word):
            i += 1
        else:
            return False
    return True


def _is_harmless_program(value: str) -> bool:
    words = value.split()
    if not words or value.strip() in _HARMLESS_PROGRAMS:
        return True
    program = words[0].rsplit("/", 1)[-1]
    if program == "ssh":
        return _is_plain_ssh(words)
    return program in _HARMLESS_PROGRAMS


def config_runs_program(key: str, value: str) -> bool:
    """Whether the git setting `key = value` makes git run a program (or read more config)."""
    lowered = key.lower()
    if not _PROGRAM_CONFIG_KEYS.match(lowered):
        return False
    if lowered.startswith("alias."):
        return value.startswith("!")
    return not _is_harmless_program(value)


def _config_finding(cmd: SimpleCommand, key: str, value: str, how: str) -> Finding | None:
    """`-c key=value` (or its environment spelling) that makes git run a program."""
    if not config_runs_program(key, value):
        return None
    setting = shlex.quote(f"{key}={value}")
    message = f"git {how} {setting} would make git run a program the policy cannot see"
    return finding("git.config-runs-program", cmd, message, target=key)


def _hidden_program_findings(cmd: SimpleCommand, call: GitCall) -> list[Finding]:
    findings: list[Finding] = []
    for key, value in call.config:
        hit = _config_finding(cmd, key, value, "-c")
        if hit:
            findings.append(hit)
    env = dict(cmd.env)
    for name, value in cmd.env:
        numbered = _CONFIG_ENV_KEY_RE.match(name)
        if numbered:
            setting = env.get(f"GIT_CONFIG_VALUE_{numbered.group(1)}", "")
            hit = _config_finding(cmd, value, setting, f"with {name}")
        elif name in _PROGRAM_ENV and not _is_harmless_program(value):
            message = (
                f"{name}={shlex.quote(value)} would make git run a program the policy cannot see"
            )
            hit = finding("git.env-runs-program", cmd, message, target=name)
        else:
            hit = None
        if hit:
            findings.append(hit)
    if call.exec_path:
        message = f"git --exec-path={call.exec_path} would run git commands from that directory"
        findings.append(finding("git.config-runs-program", cmd, message, target=call.exec_path))
    return findings


# --------------------------------------------------------------------------- subcommand rules


_Check = Callable[[SimpleCommand, GitCall, ParsedArgs], list[Finding]]


@record
class Rule:
    """How to read one subcommand: which options take a value, and what to check."""

    check: _Check
    value_options: frozenset[str] = frozenset()
    dynamic_is_risky: bool = True
    """A run-time word (`$BRANCH`) could turn this subcommand destructive."""


def _report(
    cmd: SimpleCommand,
    rule: str,
    message: str,
    target: str | None = None,
    decision: Decision = Decision.CONFIRM,
) -> list[Finding]:
    return [finding(rule, cmd, message, decision, target=target)]


def _spelled(args: Sequence[str], *names: str) -> str:
    """The option as the user wrote it (`-fd` rather than `f`), for messages."""
    for arg in args:
        if arg in names or arg.split("=")[0] in names:
            return arg
        short = arg.startswith("-") and not arg.startswith("--")
        if short and any(len(n) == 1 and n in arg[1:] for n in names):
            return arg
    return names[0] if names[0].startswith("-") else "-" + names[0]


def _in_repo(call: GitCall) -> str:
    return "in " + call.repository


# push ------------------------------------------------------------------------


def _ref_name(ref: str) -> tuple[str, str]:
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix):
            return ref[len(prefix) :], kind
    return ref, "branch"


def _check_push(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if parsed.has("n", "--dry-run"):
        return []
    remote = parsed.positionals[0] if parsed.positionals else "the default remote"
    refspecs = list(parsed.positionals[1:])
    forced, deleted = [], []
    for i, spec in enumerate(refspecs):
        if spec == "tag" and i + 1 < len(refspecs):
            refspecs[i + 1] = "refs/tags/" + refspecs[i + 1]
            continue
        plus = spec.startswith("+")
        source, colon, destination = spec.lstrip("+").partition(":")
        name = destination if colon else source
        if colon and not source:
            deleted.append((spec, name))
        elif plus:
            forced.append((spec, name))
    findings: list[Finding] = []
    everything = "all branches" if parsed.has("--all", "--branches") else "the current branch"
    names = [name for _, name in forced] or [r for r in refspecs if r != "tag"]
    force_options = ("f", "--force", "--force-with-lease", "--force-if-includes")
    if parsed.has(*force_options) or forced:
        spelling = (
            _spelled(call.args, *force_options) if parsed.has(*force_options) else forced[0][0]
        )
        what = _describe_refs(names, everything)
        message = f"git push {spelling} would overwrite {what} on {remote}"
        findings += _report(cmd, "git.push-force", message, remote)
    if parsed.has("d", "--delete"):
        what = _describe_refs(refspecs, "the named refs")
        spelling = _spelled(call.args, "--delete", "d")
        message = f"git push {spelling} would delete {what} on {remote}"
        findings += _report(cmd, "git.push-delete", message, remote)
    for spec, name in deleted:
        message = f"git push {spec} would delete {_describe_refs([name], name)} on {remote}"
        findings += _report(cmd, "git.push-delete", message, remote)
    if parsed.has("--prune"):
        message = f"git push --prune would delete remote branches on {remote} that are not local"
        findings += _report(cmd, "git.push-delete", message, remote)
    if parsed.has("--mirror"):
        message = f"git push --mirror would overwrite and delete refs on {remote} to match this one"
        findings += _report(cmd, "git.push-force", message, remote)
    return findings


def _describe_refs(refs: Sequence[str], default: str) -> str:
    if not refs:
        return default
    named = [_ref_name(ref.lstrip("+").split(":")[-1] or ref) for ref in refs]
    kinds = {kind for _, kind in named}
    kind = kinds.pop() if len(kinds) == 1 else "ref"
    plural = "es" if kind == "branch" else "s"
    noun = f"remote {kind}{plural if len(named) > 1 else ''}"
    return f"the {noun} {', '.join(name for name, _ in named)}"


# working tree ----------------------------------------------------------------

_DISCARDS = "would discard uncommitted changes"
_PATH_LIKE_RE = lazyre.compile(r"^(?:\.{1,2}(?:/|$)|:/|/)|[*?\[]|\.[A-Za-z][A-Za-z0-9]*$")
"""A word that names files rather than a branch: `.`, `./x`, `*.py`, `src/app.py`."""


def _check_reset(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    for option, what in (("--hard", "uncommitted changes"), ("--merge", "staged changes")):
        if parsed.has(option):
            message = f"git reset {option} would discard {what} {_in_repo(call)}"
            return _report(cmd, "git.reset-hard", message, call.repository)
    return []


def _check_checkout(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if parsed.has("f", "--force"):
        spelling = _spelled(call.args, "--force", "f")
        message = f"git checkout {spelling} {_DISCARDS} {_in_repo(call)}"
        return _report(cmd, "git.discard-changes", message, call.repository)
    paths = _checkout_paths(call.args, parsed)
    if paths is None:
        return []
    message = f"git checkout {_DISCARDS} to {_list(paths)} {_in_repo(call)}"
    return _report(cmd, "git.discard-changes", message, paths[0] if paths else None)


def _checkout_paths(args: Sequence[str], parsed: ParsedArgs) -> list[str] | None:
    """The paths whose edits `git checkout` overwrites, or None when it switches branches."""
    if parsed.has("b", "B", "--orphan", "p", "--patch"):
        return None
    if "--" in args:
        after = list(args[args.index("--") + 1 :])
        return after or None
    if parsed.has("--pathspec-from-file"):
        return [parsed.last("--pathspec-from-file") or "listed files"]
    if len(parsed.positionals) >= 2:
        return list(parsed.positionals[1:])
    if len(parsed.positionals) == 1 and _PATH_LIKE_RE.search(parsed.positionals[0]):
        return [parsed.positionals[0]]
    return None


def _check_restore(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    staged_only = parsed.has("S", "--staged") and not parsed.has("W", "--worktree")
    paths = list(parsed.positionals) or parsed.values("--pathspec-from-file")
    if staged_only or not paths:
        return []
    message = f"git restore {_DISCARDS} to {_list(paths)} {_in_repo(call)}"
    return _report(cmd, "git.discard-changes", message, paths[0])


def _check_switch(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if not parsed.has("f", "--force", "--discard-changes"):
        return []
    spelling = _spelled(call.args, "--discard-changes", "--force", "f")
    message = f"git switch {spelling} {_DISCARDS} {_in_repo(call)}"
    return _report(cmd, "git.discard-changes", message, call.repository)


def _check_clean(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if parsed.has("n", "--dry-run"):
        return []
    ignored = " including ignored files such as .env" if parsed.has("x") else ""
    ignored = " (only ignored files such as .env)" if parsed.has("X") else ignored
    where = _list(parsed.positionals) if parsed.positionals else call.repository
    spelling = next((a for a in call.args if a.startswith("-") and "f" in a), "")
    verb = f"git clean {spelling}".rstrip()
    message = f"{verb} would delete untracked files{ignored} in {where}"
    return _report(cmd, "git.clean", message, where)


def _check_stash(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    verb = parsed.positionals[0] if parsed.positionals else "push"
    if verb == "drop":
        entry = parsed.positionals[1] if len(parsed.positionals) > 1 else "stash@{0}"
        return _report(cmd, "git.stash-drop", f"git stash drop would delete {entry}", entry)
    if verb == "clear":
        return _report(cmd, "git.stash-drop", "git stash clear would delete every stash entry")
    return []


def _check_rm(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if not parsed.has("f", "--force") or parsed.has("--cached", "n", "--dry-run"):
        return []
    message = f"git rm -f {_DISCARDS} to {_list(parsed.positionals)} and delete them"
    target = parsed.positionals[0] if parsed.positionals else None
    return _report(cmd, "git.discard-changes", message, target)


def _check_checkout_index(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if not parsed.has("f", "--force"):
        return []
    message = f"git checkout-index --force {_DISCARDS} {_in_repo(call)}"
    return _report(cmd, "git.discard-changes", message, call.repository)


# refs and history --------------------------------------------------------------


def _check_branch(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    names = _list(parsed.positionals) if parsed.positionals else "the named branch"
    target = parsed.positionals[0] if parsed.positionals else None
    forced = parsed.has("f", "--force")
    remote = "remote-tracking" if parsed.has("r", "--remotes") else "local"
    if parsed.has("D") or (parsed.has("d", "--delete") and forced):
        spelling = "-D" if parsed.has("D") else "--delete --force"
        message = f"git branch {spelling} would delete the {remote} branch {names} even if unmerged"
        return _report(cmd, "git.branch-force-delete", message, target)
    renaming = parsed.has("d", "--delete", "m", "M", "--move", "c", "C", "--copy")
    if forced and not renaming and parsed.positionals:
        message = (
            f"git branch --force would move the existing branch {target}, dropping its commits"
        )
        return _report(cmd, "git.branch-force-move", message, target)
    return []


def _check_tag(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    names = _list(parsed.positionals) if parsed.positionals else "the named tag"
    target = parsed.positionals[0] if parsed.positionals else None
    if parsed.has("d", "--delete"):
        return _report(cmd, "git.tag-delete", f"git tag -d would delete the tag {names}", target)
    if parsed.has("f", "--force"):
        message = f"git tag --force would move the existing tag {target} to another commit"
        return _report(cmd, "git.tag-force", message, target)
    return []


def _check_reflog(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    verb = parsed.positionals[0] if parsed.positionals else "show"
    if verb not in {"expire", "delete"} or parsed.has("n", "--dry-run"):
        return []
    message = f"git reflog {verb} would drop the reflog entries used to recover lost commits"
    return _report(cmd, "git.reflog-expire", message, call.repository)


def _check_gc(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    when = parsed.last("--prune")
    if when is None:
        return []
    message = (
        f"git gc --prune={when} would delete unreachable commits that could still be recovered"
    )
    return _report(cmd, "git.prune-objects", message, call.repository)


def _check_prune(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if parsed.has("n", "--dry-run"):
        return []
    message = "git prune would delete unreachable commits that could still be recovered"
    return _report(cmd, "git.prune-objects", message, call.repository)


def _check_update_ref(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    ref = parsed.positionals[0] if parsed.positionals else "refs from stdin"
    verb = "delete" if parsed.has("d") else "move"
    message = f"git update-ref would {verb} {ref} without the usual safety checks"
    return _report(cmd, "git.update-ref", message, ref)


def _check_symbolic_ref(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if not parsed.has("d", "--delete"):
        return []
    ref = parsed.positionals[0] if parsed.positionals else "a symbolic ref"
    return _report(cmd, "git.update-ref", f"git symbolic-ref -d would delete {ref}", ref)


def _check_rewrite(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if call.subcommand == "filter-repo" and parsed.has("--analyze", "--dry-run"):
        return []
    message = f"git {call.subcommand} would rewrite the history of {call.repository}"
    return _report(cmd, "git.rewrite-history", message, call.repository)


def _check_replace(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if not parsed.positionals or parsed.has("l", "--list"):
        return []
    verb = "delete replacement refs" if parsed.has("d", "--delete") else "replace objects"
    message = f"git replace would {verb}, changing the history git shows"
    return _report(cmd, "git.rewrite-history", message, parsed.positionals[0])


def _check_worktree(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    verb = parsed.positionals[0] if parsed.positionals else ""
    if verb != "remove" or not parsed.has("f", "--force"):
        return []
    tree = parsed.positionals[1] if len(parsed.positionals) > 1 else "the worktree"
    message = f"git worktree remove --force would delete {tree} with its uncommitted changes"
    return _report(cmd, "git.worktree-remove-force", message, tree)


def _check_submodule(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    verb = parsed.positionals[0] if parsed.positionals else ""
    if verb == "foreach":
        script = " ".join(parsed.positionals[1:])
        message = f"git submodule foreach would run `{script}` in every submodule"
        return _report(cmd, "git.runs-command", message)
    if verb in {"deinit", "update"} and parsed.has("f", "--force"):
        message = f"git submodule {verb} --force {_DISCARDS} inside submodules"
        return _report(cmd, "git.submodule-force", message, call.repository)
    return []


def _check_lfs(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    verb = parsed.positionals[0] if parsed.positionals else ""
    if verb == "prune" and not parsed.has("d", "--dry-run"):
        message = "git lfs prune would delete local copies of large files"
        return _report(cmd, "git.lfs-prune", message, call.repository)
    if verb == "migrate" and parsed.positionals[1:2] != ("info",):
        message = "git lfs migrate would rewrite the history of " + call.repository
        return _report(cmd, "git.rewrite-history", message, call.repository)
    return []


# programs git runs for you -------------------------------------------------------


def _runs_command(option_names: tuple[str, ...], what: str) -> _Check:
    def check(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
        values = parsed.values(*option_names)
        if not values and not parsed.has(*option_names):
            return []
        command = values[0] if values else "a command"
        message = f"git {call.subcommand} would run `{command}` {what}"
        return _report(cmd, "git.runs-command", message)

    return check


def _check_bisect(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    if parsed.positionals[:1] != ("run",):
        return []
    script = " ".join(call.args[call.args.index("run") + 1 :])
    message = f"git bisect run would run `{script}` on each tested commit"
    return _report(cmd, "git.runs-command", message)


def _check_clone(cmd: SimpleCommand, call: GitCall, parsed: ParsedArgs) -> list[Finding]:
    findings = _runs_command(("u", "--upload-pack"), "to serve the clone")(cmd, call, parsed)
    for setting in parsed.values("c", "--config"):
        key, _, value = setting.partition("=")
        hit = _config_finding(cmd, key, value, "clone --config")
        if hit:
            findings.append(hit)
    if parsed.has("--template"):
        message = "git clone --template would install hooks from " + str(parsed.last("--template"))
        findings += _report(cmd, "git.config-runs-program", message)
    return findings


_RULES: dict[str, Rule] = {
    "push": Rule(
        _check_push, frozenset({"--repo", "o", "--push-option", "--receive-pack", "--exec"})
    ),
    "reset": Rule(_check_reset, frozenset({"--pathspec-from-file"})),
    "checkout": Rule(_check_checkout, frozenset({"b", "B", "--orphan", "--conflict"})),
    "restore": Rule(_check_restore, frozenset({"s", "--source", "--pathspec-from-file"})),
    "switch": Rule(_check_switch, frozenset({"c", "C", "--create", "--force-create", "--orphan"})),
    "clean": Rule(_check_clean, frozenset({"e", "--exclude"})),
    "stash": Rule(_check_stash, frozenset({"m", "--message", "--pathspec-from-file"})),
    "rm": Rule(_check_rm, frozenset({"--pathspec-from-file"})),
    "checkout-index": Rule(_check_checkout_index, frozenset({"--prefix", "--stage"})),
    "branch": Rule(
        _check_branch,
        frozenset(
            {
                "u",
                "--set-upstream-to",
                "--contains",
                "--no-contains",
                "--merged",
                "--no-merged",
                "--points-at",
                "--format",
                "--sort",
            }
        ),
    ),
    "tag": Rule(
        _check_tag,
        frozenset(
            {
                "m",
                "--message",
                "F",
                "--file",
                "u",
                "--local-user",
                "--sort",
                "--format",
                "--contains",
                "--no-contains",
                "--points-at",
                "--merged",
                "--no-merged",
                "--cleanup",
            }
        ),
    ),
    "reflog": Rule(_check_reflog, frozenset({"--expire", "--expire-unreachable"})),
    "gc": Rule(_check_gc),
    "prune": Rule(_check_prune, frozenset({"--expire"})),
    "update-ref": Rule(_check_update_ref, frozenset({"m"})),
    "symbolic-ref": Rule(_check_symbolic_ref, frozenset({"m"})),
    "filter-branch": Rule(_check_rewrite),
    "filter-repo": Rule(_check_rewrite),
    "replace": Rule(_check_replace, frozenset({"--format"})),
    "worktree": Rule(_check_worktree, frozenset({"b", "B", "--reason"})),
    "submodule": Rule(
        _check_submodule,
        frozenset({"b", "--branch", "--name", "--reference", "--depth", "--jobs", "j"}),
    ),
    "lfs": Rule(_check_lfs, frozenset({"I", "--include", "X", "--exclude"})),
    "rebase": Rule(
        _runs_command(("x", "--exec"), "after each rebased commit"),
        frozenset({"x", "--exec", "s", "--strategy", "X", "--strategy-option", "--onto"}),
        dynamic_is_risky=False,
    ),
    "bisect": Rule(_check_bisect),
    "difftool": Rule(
        _runs_command(("x", "--extcmd"), "to show each diff"),
        frozenset({"x", "--extcmd", "t", "--tool"}),
        dynamic_is_risky=False,
    ),
    "fetch": Rule(
        _runs_command(("--upload-pack",), "to serve the fetch"),
        frozenset({"--upload-pack"}),
        dynamic_is_risky=False,
    ),
    "pull": Rule(
        _runs_command(("--upload-pack",), "to serve the pull"),
        frozenset({"--upload-pack"}),
        dynamic_is_risky=False,
    ),
    "ls-remote": Rule(
        _runs_command(("--upload-pack",), "to list the remote"),
        frozenset({"--upload-pack"}),
        dynamic_is_risky=False,
    ),
    "clone": Rule(
        _check_clone,
        frozenset(
            {
                "u",
                "--upload-pack",
                "c",
                "--config",
                "--template",
                "o",
                "--origin",
                "b",
                "--branch",
                "--depth",
                "--reference",
                "--separate-git-dir",
                "j",
                "--jobs",
            }
        ),
        dynamic_is_risky=False,
    ),
    "for-each-repo": Rule(_runs_command(("--config",), "git commands in each listed repository")),
}
_SUBCOMMAND_ALIASES = {"stage": "add", "init-db": "init"}


def _list(items: Sequence[str]) -> str:
    shown = ", ".join(items[:4])
    return f"{shown} and {len(items) - 4} more" if len(items) > 4 else shown


def _dynamic_findings(cmd: SimpleCommand, call: GitCall, rule: Rule) -> list[Finding]:
    """A run-time word in a subcommand that has destructive forms could be one of them."""
    if not rule.dynamic_is_risky:
        return []
    value_options = {f"-{o}" if len(o) == 1 else o for o in rule.value_options}
    for offset, word in enumerate(call.args):
        if offset not in call.dynamic_args or word.startswith("-"):
            continue
        previous = call.args[offset - 1] if offset else ""
        if previous in value_options:
            continue
        message = f"git {call.subcommand} would act on {word}, known only at run time"
        return _report(cmd, "git.dynamic-argument", message)
    return []


# committed secrets -------------------------------------------------------------

_PATCH_OPTIONS = frozenset(
    {"-p", "-u", "--patch", "--patch-with-stat", "--patch-with-raw", "--cc", "-c", "--full-diff"}
)
_NO_PATCH_OPTIONS = frozenset(
    {"-s", "--no-patch", "--stat", "--numstat", "--shortstat", "--name-only", "--name-status",
     "--raw", "--summary", "--dirstat", "--quiet"}
)  # fmt: skip
_ALWAYS_CONTENT = frozenset(
    {"cat-file", "archive", "blame", "annotate", "format-patch", "fast-export",
     "checkout-index", "unpack-file", "bundle"}
)  # fmt: skip
"""Subcommands that write file contents out of git's objects whatever their options."""
_PATCH_BY_DEFAULT = frozenset({"show", "diff", "diff-index", "diff-files"})
_PATCH_WHEN_ASKED = frozenset({"log", "whatchanged", "diff-tree", "stash", "reflog"})


def _history_secret_findings(
    cmd: SimpleCommand, subcommand: str, args: Sequence[str], ctx: Context
) -> list[Finding]:
    """Reading a hidden file's committed contents back out of git (`git show HEAD:.env`,
    `git log -p`, `git diff --cached`): only in a repository that tracks one."""
    head = list(args[: args.index("--")] if "--" in args else args)
    options = {word.split("=")[0] for word in head if word.startswith("-")}
    if subcommand == "grep":
        prints = "--cached" in options or len([w for w in head if not w.startswith("-")]) > 1
    elif subcommand in _ALWAYS_CONTENT:
        prints = True
    elif subcommand in _PATCH_BY_DEFAULT:
        prints = not (options & _NO_PATCH_OPTIONS) or bool(options & _PATCH_OPTIONS)
    elif subcommand in _PATCH_WHEN_ASKED:
        prints = bool(options & (_PATCH_OPTIONS - {"-c"})) or (
            subcommand == "stash" and "show" in head and "--stat" not in options
        )
    else:
        prints = False
    if not prints:
        return []
    named = _secrets_named(head, list(args[args.index("--") + 1 :]) if "--" in args else None, ctx)
    if not named:
        return []
    secret = named[0]
    message = (
        f"git tracks {secret}, which agentsh hides, and git {subcommand} could print its "
        "committed contents; rotate the secret and remove it from git (git rm --cached "
        f"{secret}, then git filter-repo)"
    )
    return _report(cmd, "git.reads-hidden-file", message, secret)


def _secrets_named(head: list[str], pathspecs: list[str] | None, ctx: Context) -> list[str]:
    """The tracked secrets the command's output could include: those its `REV:path`
    objects or pathspecs name, or all of them when nothing narrows it down."""
    objects = [word.split(":", 1)[1] for word in head if _is_object_path(word)]
    if (
        objects
        and pathspecs is None
        and len(objects) == len([w for w in head if not w.startswith("-")])
    ):
        return [s for s in ctx.tracked_secrets if any(_covers(o, s, ctx, True) for o in objects)]
    if pathspecs is None or not pathspecs:
        return list(ctx.tracked_secrets)
    return [s for s in ctx.tracked_secrets if any(_covers(p, s, ctx, False) for p in pathspecs)]


def _is_object_path(word: str) -> bool:
    """`HEAD:.env`, `:.env` (the index), `main:config/.env`, not an option or a URL."""
    return not word.startswith("-") and ":" in word and "://" not in word


def _covers(spec: str, secret: str, ctx: Context, from_top: bool) -> bool:
    """Whether the path (or pathspec) `spec` includes the project-relative `secret`."""
    if spec.startswith(":") and not spec.startswith((":/", ":(top)")):
        return True
    if spec.startswith((":/", ":(top)")):
        spec, from_top = spec.removeprefix(":(top)").removeprefix(":/"), True
    if from_top and not spec.startswith(("./", "../")):
        relative = posixpath.normpath(spec or ".")
    else:
        here = posixpath.relpath(ctx.cwd, ctx.project_root) if ctx.cwd != ctx.project_root else ""
        relative = posixpath.normpath(posixpath.join(here, spec))
    if relative == "." or relative.startswith(".."):
        return True
    if any(char in relative for char in "*?["):
        import fnmatch

        return fnmatch.fnmatchcase(secret, relative) or fnmatch.fnmatchcase(secret, relative + "/*")
    return secret == relative or secret.startswith(relative + "/")


def _resolve_config_alias(call: GitCall) -> list[str] | None:
    """Expand a `-c alias.NAME=VALUE` given on this command line (non-shell aliases only)."""
    for key, value in reversed(call.config):
        if key.lower() == f"alias.{call.subcommand}".lower() and not value.startswith("!"):
            return value.split()
    return None


# --------------------------------------------------------------------------- entry point

PROGRAMS: frozenset[str] = frozenset({"git", "git-filter-repo", "git-lfs"})


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Findings for one git command; none for reading and ordinary work."""
    call = _split_global_options(cmd, ctx)
    findings = _hidden_program_findings(cmd, call)
    if call.subcommand is None:
        return findings
    if not call.subcommand_is_static:
        message = f"git would run a subcommand known only at run time: {call.subcommand}"
        return [*findings, *_report(cmd, "git.dynamic-subcommand", message)]
    expansion = _resolve_config_alias(call)
    if expansion:
        shift = len(expansion) - 1
        call.subcommand, call.args = expansion[0], (*expansion[1:], *call.args)
        call.dynamic_args = frozenset(j + shift for j in call.dynamic_args)
    before_separator = call.args[: call.args.index("--")] if "--" in call.args else call.args
    if "--help" in before_separator or call.subcommand == "help":
        return findings
    subcommand = _SUBCOMMAND_ALIASES.get(call.subcommand, call.subcommand)
    if subcommand not in KNOWN_SUBCOMMANDS:
        message = (
            f"git {subcommand} is not a git command; it may be an alias or a git-{subcommand} "
            "program that could run anything"
        )
        return [*findings, *_report(cmd, "git.unknown-subcommand", message, subcommand)]
    if ctx.tracked_secrets:
        findings += _history_secret_findings(cmd, subcommand, call.args, ctx)
    rule = _RULES.get(subcommand)
    if rule is None:
        return findings
    call.subcommand = subcommand
    parsed = parse(call.args, rule.value_options)
    return [*findings, *rule.check(cmd, call, parsed), *_dynamic_findings(cmd, call, rule)]
