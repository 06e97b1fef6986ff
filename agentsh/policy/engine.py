"""The policy engine: a command line and a `Context` in, a `Verdict` out.

`decide()` parses the line (`parse`), follows every wrapper to the command it
runs (`unwrap`), asks each tool family that owns a program to `classify()` it,
applies the profile's rules, and returns the strictest decision with every
finding. It never raises: anything unexpected is a confirm.

Profile rules (`ProfileRule`) only ever loosen the shape they name: an allow
rule drops the confirm findings the families raised for a matching command,
never a deny, never the engine's own findings (what it could not see), never
for a command that runs on another machine, and a glob never matches a word
that is only known at run time.

`wanted_files()` tells the caller which files' text would sharpen the verdict
(a sourced file, `psql < x.sql`, `bash deploy.sh`); the caller reads them
(size-capped) into `Context.files` and calls `decide()`. A file's text may name
more files, so callers can repeat until the list is empty.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from types import MappingProxyType, ModuleType

from agentsh.policy.model import Context, Decision, Finding, SimpleCommand, Stdin, Verdict
from agentsh.policy.parse import Write, parse
from agentsh.policy.static_values import DECODERS
from agentsh.policy.unwrap import SHELLS, display, is_interpreter, unwrap
from agentsh.records import record, replace

MAX_DEPTH = 8
"""Wrapper and re-parse levels followed before giving up (`engine.too-deep`)."""

FAMILY_MODULES = (
    "fs", "git", "databases", "http", "interpreters", "paas", "cloud", "infra", "packages",
    "system",
)  # fmt: skip
"""Every family module; `agentsh.policy.index` is generated from them."""

_INHERIT = Stdin("inherit")
_HARMLESS_DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})
_HARMLESS_DEVICE_DIRS = ("/dev/fd/", "/dev/pts/", "/dev/shm/", "/proc/self/fd/")
_DISK_DEVICES = (
    "/dev/sd", "/dev/hd", "/dev/vd", "/dev/xvd", "/dev/nvme", "/dev/mmcblk", "/dev/disk/",
    "/dev/mapper/", "/dev/dm-", "/dev/md", "/dev/loop", "/dev/sr", "/dev/mem", "/dev/kmem",
    "/dev/port",
)  # fmt: skip
_PROTECTED_IN_PROJECT = (
    ".git/hooks/", ".git/config", ".envrc", ".agentsh.yaml", ".vscode/tasks.json",
    ".vscode/settings.json", ".claude/settings.json", ".claude/settings.local.json",
)  # fmt: skip
_CODE_VARIABLES = frozenset(
    {"PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3", "PS4", "GIT_SSH_COMMAND", "GIT_EDITOR",
     "GIT_SEQUENCE_EDITOR", "GIT_PAGER", "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND", "GIT_ASKPASS",
     "SSH_ASKPASS", "SUDO_ASKPASS", "EDITOR", "VISUAL", "PAGER", "MANPAGER", "SYSTEMD_PAGER",
     "LESSOPEN", "LESSCLOSE", "RSYNC_RSH", "FCEDIT"}
)  # fmt: skip
"""Variables whose value a shell or tool later runs as a command line."""
_PROMPT_VARIABLES = frozenset({"PS0", "PS1", "PS2", "PS3", "PS4"})
"""Expanded like a string (their `$(…)` run), not run as a command line."""
_PROMPT_END = "AGENTSH_PROMPT_END"
_SOURCED_VARIABLES = frozenset({"BASH_ENV", "ENV"})
"""Variables naming a file a starting shell sources."""


@record
class ProfileRule:
    """A rule written in a YAML profile.

    `match` is an argv prefix; each position lists alternatives as fnmatch globs
    (`[railway, [status, logs]]`). Position 0 matches the program's basename or
    argv[0] as written. A glob never matches a dynamic word.
    """

    match: tuple[tuple[str, ...], ...]
    decision: Decision
    reason: str
    origin: str
    """"file:line", for messages."""
    target: str | None = None
    """An fnmatch glob the findings' target must match (e.g. "localhost*")."""


_NO_PACKAGES: Mapping[str, str] = MappingProxyType({})
Classifier = Callable[[SimpleCommand, Context], list[Finding]]


@record
class Family:
    """One tool-family module, as the engine calls it."""

    name: str
    programs: frozenset[str]
    classify: Classifier
    npm_packages: Mapping[str, str] = _NO_PACKAGES
    embedded_shell: Callable[[SimpleCommand], list[str]] | None = None
    wanted_files: Callable[[SimpleCommand, Context], list[str]] | None = None

    @classmethod
    def from_module(cls, module: ModuleType) -> Family:
        return cls(
            name=module.__name__.rsplit(".", 1)[-1],
            programs=frozenset(module.PROGRAMS),
            classify=module.classify,
            npm_packages=dict(getattr(module, "NPM_PACKAGES", {})),
            embedded_shell=getattr(module, "embedded_shell", None),
            wanted_files=getattr(module, "wanted_files", None),
        )


class Registry:
    """Which families judge which program; built once."""

    def __init__(self, families: Iterable[Family] = (), broken: Iterable[str] = ()) -> None:
        self.families = tuple(families)
        self.broken = tuple(broken)
        """Families that failed to load: every verdict confirms until they are fixed."""
        owners: dict[str, list[Family]] = {}
        packages: dict[str, str] = {}
        for family in self.families:
            for program in family.programs:
                owners.setdefault(program, []).append(family)
            packages.update(family.npm_packages)
        self._owners = {program: tuple(found) for program, found in owners.items()}
        self.npm_packages: Mapping[str, str] = packages

    def owners(self, program: str) -> tuple[Family, ...]:
        return self._owners.get(program, ())


class LazyRegistry(Registry):
    """agentsh's own families, imported only when a command uses one of their programs.

    Which family owns which program comes from `agentsh.policy.index`, so a
    line like `ls | head` loads no family at all. A family that fails to
    import turns every command it owns into a confirm.
    """

    def __init__(self, programs: Mapping[str, tuple[str, ...]], npm: Mapping[str, str]) -> None:
        super().__init__()
        self._index = programs
        self.npm_packages = npm
        self._loaded: dict[str, Family] = {}

    def owners(self, program: str) -> tuple[Family, ...]:
        return tuple(self.family(name) for name in self._index.get(program, ()))

    def family(self, name: str) -> Family:
        found = self._loaded.get(name)
        if found is None:
            try:
                found = Family.from_module(importlib.import_module(f"agentsh.policy.{name}"))
            except Exception as error:
                found = _broken_family(name, error)
            self._loaded[name] = found
        return found

    @property
    def loaded(self) -> tuple[str, ...]:
        return tuple(self._loaded)


def _broken_family(name: str, error: Exception) -> Family:
    problem = f"{type(error).__name__}: {error}"

    def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
        raise RuntimeError(f"the {name} rules could not be loaded ({problem})")

    return Family(name, frozenset(), classify)


_DEFAULT_REGISTRY: LazyRegistry | None = None


def default_registry() -> LazyRegistry:
    """The registry of agentsh's own family modules (each imported on first use)."""
    global _DEFAULT_REGISTRY
    if _DEFAULT_REGISTRY is None:
        from agentsh.policy import index

        _DEFAULT_REGISTRY = LazyRegistry(index.PROGRAMS, index.NPM_PACKAGES)
    return _DEFAULT_REGISTRY


@record
class Analysis:
    """Everything one line gave: for `decide()`, `wanted_files()` and tests."""

    findings: list[Finding]
    commands: list[tuple[SimpleCommand, Context]]
    """Every simple command judged, wrappers and what they run, in order."""
    wanted: list[str]

    @property
    def verdict(self) -> Verdict:
        decision = max((f.decision for f in self.findings), default=Decision.ALLOW)
        return Verdict(decision, tuple(self.findings))


def decide(
    line: str, ctx: Context, rules: Sequence[ProfileRule] = (), *, registry: Registry | None = None
) -> Verdict:
    """The verdict for one command line. Never raises."""
    try:
        return analyse(line, ctx, rules, registry=registry).verdict
    except Exception as error:
        return Verdict(
            Decision.CONFIRM,
            (
                Finding(
                    "engine.internal-error",
                    Decision.CONFIRM,
                    line,
                    f"agentsh could not analyse this command ({_describe(error)})",
                ),
            ),
        )


def wanted_files(line: str, ctx: Context, *, registry: Registry | None = None) -> list[str]:
    """Absolute paths whose text would sharpen the verdict, not yet in `ctx.files`."""
    try:
        return analyse(line, ctx, registry=registry).wanted
    except Exception:
        return []


def analyse(
    line: str, ctx: Context, rules: Sequence[ProfileRule] = (), *, registry: Registry | None = None
) -> Analysis:
    """`eval "$(echo 'BASE64' | base64 -d)"` is judged on the decoded text, unless the
    line defines an `echo`, `printf` or `base64` of its own anywhere (in any code it
    runs): then the output is not certain, and the line is analysed again without
    decoding, as code agentsh cannot see."""
    analysis = _analyse(line, ctx, rules, registry, decode=True)
    if analysis.decoded and analysis.decoders_shadowed:
        analysis = _analyse(line, ctx, rules, registry, decode=False)
    return analysis.result


def _analyse(
    line: str,
    ctx: Context,
    rules: Sequence[ProfileRule],
    registry: Registry | None,
    *,
    decode: bool,
) -> _Analyser:
    analyser = _Analyser(registry or default_registry(), rules, ctx)
    analyser.decode = decode
    for problem in analyser.registry.broken:
        analyser.add(
            Finding(
                "engine.internal-error",
                Decision.CONFIRM,
                line,
                f"agentsh could not load the rules for {problem}",
            )
        )
    analyser.text(line, ctx, 0)
    return analyser


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 200 else text[:197] + "…"


class _Analyser:
    def __init__(self, registry: Registry, rules: Sequence[ProfileRule], ctx: Context) -> None:
        self.registry = registry
        self.rules = rules
        self.files = ctx.files
        self.result = Analysis([], [], [])
        self._seen: set[Finding] = set()
        self._wanted: set[str] = set()
        self._variables: set[tuple[str, str]] = set()
        self.aliases: dict[str, str] = {}
        self.decode = True
        """Whether `$(echo 'BASE64' | base64 -d)` in eval/source/shell arguments is decoded."""
        self.decoded = False
        self.decoders_shadowed = False
        """Whether the code defines a function, alias or builtin named like a decoder."""

    def add(self, *findings: Finding) -> None:
        for found in findings:
            if found not in self._seen:
                self._seen.add(found)
                self.result.findings.append(found)

    def want(self, paths: Iterable[str]) -> None:
        for path in paths:
            if path not in self._wanted and path not in self.files:
                self._wanted.add(path)
                self.result.wanted.append(path)

    def text(
        self,
        text: str,
        ctx: Context,
        depth: int,
        *,
        stdin: Stdin = _INHERIT,
        stdin_files: tuple[str, ...] = (),
        via: tuple[tuple[str, ...], ...] = (),
        remote: str | None = None,
    ) -> None:
        if depth > MAX_DEPTH:
            self.add(_too_deep(text))
            return
        parsed = parse(text, ctx, stdin, stdin_files, decode_substitutions=self.decode)
        self.decoded = self.decoded or parsed.decoded
        if DECODERS.intersection(parsed.functions):
            self.decoders_shadowed = True
        self.add(*parsed.findings)
        self.variables(parsed.assignments, ctx, depth, via, remote)
        for write in parsed.writes:
            self.add(*_judge_write(write, ctx, remote))
        for item in parsed.commands:
            cmd = item.cmd
            if via or remote:
                cmd = replace(cmd, via=via, remote=remote)
            self.command(cmd, item.ctx, depth, item.stdin_files)

    def command(
        self, cmd: SimpleCommand, ctx: Context, depth: int, stdin_files: tuple[str, ...] = ()
    ) -> None:
        if depth > MAX_DEPTH:
            self.add(_too_deep(cmd.display))
            return
        self.result.commands.append((cmd, ctx))
        if not cmd.argv:
            return
        self.variables(cmd.env, ctx, depth, cmd.via, cmd.remote)
        if cmd.program in _DECODER_SHADOWING and _shadows_decoders(cmd):
            self.decoders_shadowed = True
        unknown = _unknown_program(cmd)
        if unknown is not None:
            self.add(unknown)
            return
        self.expand_alias(cmd, ctx, depth)
        owners = self.registry.owners(cmd.program)
        found: list[Finding] = []
        for family in owners:
            found.extend(self.classify(family, cmd, ctx))
            self.embedded(family, cmd, ctx, depth)
            if family.wanted_files is not None:
                self.want(self.files_wanted_by(family, family.wanted_files, cmd, ctx))
        self.add(*_apply_rules(self.rules, cmd, found))
        if stdin_files and (owners or cmd.program in SHELLS or is_interpreter(cmd.program)):
            self.want(stdin_files)
        step = unwrap(cmd, ctx, self.registry.npm_packages)
        if step is None:
            return
        self.add(*step.findings)
        self.want(step.wanted)
        for inner, inner_ctx in step.commands:
            self.command(inner, inner_ctx, depth + 1, stdin_files)
        for code in step.code:
            self.text(
                code.text,
                code.ctx,
                depth + 1,
                stdin=code.stdin,
                stdin_files=stdin_files if code.stdin == cmd.stdin else (),
                via=code.via,
                remote=code.remote,
            )

    def variables(
        self,
        assignments: Iterable[tuple[str, str]],
        ctx: Context,
        depth: int,
        via: tuple[tuple[str, ...], ...],
        remote: str | None,
    ) -> None:
        """`PS4='$(…)' bash -x`, `GIT_SSH_COMMAND=…`, `BASH_ENV=f`: values that run."""
        for name, value in assignments:
            if (name, value) in self._variables or not value.strip():
                continue
            if name in _CODE_VARIABLES:
                self._variables.add((name, value))
                code = value
                if name in _PROMPT_VARIABLES:  # expanded like a here-doc body, not run
                    if "$(" not in value and "`" not in value:
                        continue
                    literal = re.sub(r"\$(?![({\w`@*#?!$-])", r"\\$", value)
                    code = f": <<{_PROMPT_END}\n{literal}\n{_PROMPT_END}"
                elif name in ("LESSOPEN", "LESSCLOSE"):
                    code = value.lstrip("|-").replace("%s", "file")
                self.text(code, ctx, depth + 1, via=(*via, (f"{name}={value}",)), remote=remote)
            elif name in _SOURCED_VARIABLES:
                self._variables.add((name, value))
                dynamic = frozenset({1}) if "$" in value or "`" in value else frozenset()
                source = SimpleCommand(
                    ("source", value), f"{name}={value}", dynamic, via=via, remote=remote
                )
                self.command(source, ctx, depth + 1)

    def expand_alias(self, cmd: SimpleCommand, ctx: Context, depth: int) -> None:
        """Aliases defined earlier in the line (`shopt -s expand_aliases` makes them work)."""
        if cmd.program == "alias":
            for index, word in enumerate(cmd.argv[1:], 1):
                name, equals, value = word.partition("=")
                if equals and cmd.is_static(index):
                    self.aliases[name] = value
        elif cmd.argv[0] in self.aliases and cmd.is_static(0):
            name = cmd.argv[0]
            value = self.aliases.pop(name)  # bash does not expand an alias inside itself
            try:
                self.text(
                    f"{value} {display(cmd.argv[1:], _shifted(cmd))}",
                    ctx,
                    depth + 1,
                    stdin=cmd.stdin,
                    via=(*cmd.via, cmd.argv),
                    remote=cmd.remote,
                )
            finally:
                self.aliases[name] = value

    def classify(self, family: Family, cmd: SimpleCommand, ctx: Context) -> list[Finding]:
        try:
            return list(family.classify(cmd, ctx))
        except Exception as error:
            return [_family_error(family, cmd, error)]

    def files_wanted_by(
        self,
        family: Family,
        hook: Callable[[SimpleCommand, Context], list[str]],
        cmd: SimpleCommand,
        ctx: Context,
    ) -> list[str]:
        try:
            return list(hook(cmd, ctx))
        except Exception as error:
            self.add(_family_error(family, cmd, error))
            return []

    def embedded(self, family: Family, cmd: SimpleCommand, ctx: Context, depth: int) -> None:
        if family.embedded_shell is None:
            return
        try:
            lines = list(family.embedded_shell(cmd))
        except Exception as error:
            self.add(_family_error(family, cmd, error))
            return
        for line in lines:
            self.text(line, ctx, depth + 1, via=(*cmd.via, cmd.argv), remote=cmd.remote)


_DECODER_SHADOWING = frozenset({"alias", "hash", "enable"})


def _shadows_decoders(cmd: SimpleCommand) -> bool:
    """`alias echo=…`, `hash -p x base64`, `enable -f lib.so printf`, or any of those
    with a word known only at run time."""
    program = cmd.program
    if len(cmd.argv) < 2:
        return False
    if cmd.dynamic - {0}:
        return True
    if program == "enable":
        return True
    if program == "hash":
        return "-p" in cmd.args
    return any(word.partition("=")[0] in DECODERS for word in cmd.args if "=" in word)


def _shifted(cmd: SimpleCommand) -> frozenset[int]:
    return frozenset(index - 1 for index in cmd.dynamic if index)


def _family_error(family: Family, cmd: SimpleCommand, error: Exception) -> Finding:
    return Finding(
        "engine.internal-error",
        Decision.CONFIRM,
        cmd.display,
        f"the {family.name} rules failed on this command ({_describe(error)})",
    )


def _too_deep(text: str) -> Finding:
    return Finding(
        "engine.too-deep",
        Decision.CONFIRM,
        text,
        f"the command nests wrappers more than {MAX_DEPTH} levels deep;"
        " agentsh stops following it there",
    )


def _unknown_program(cmd: SimpleCommand) -> Finding | None:
    program = cmd.argv[0]
    if not cmd.is_static(0):
        why = "is only known at run time"
    elif program not in ("[", "[[") and (
        any(char in program for char in "*?[") or ("{" in program and "}" in program)
    ):
        why = "is a pattern the shell expands"
    else:
        return None
    return Finding(
        "engine.dynamic-program",
        Decision.CONFIRM,
        cmd.display,
        f"agentsh cannot see which program runs: `{program}` {why}"
        + (f" (on {cmd.remote})" if cmd.remote else ""),
    )


# --- redirections --------------------------------------------------------------------


def _within(path: str, root: str) -> bool:
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def _judge_write(write: Write, ctx: Context, remote: str | None) -> list[Finding]:
    """`> file`: a device is denied; outside the project, protected files and
    targets agentsh cannot see need a human."""
    verb = "append to" if write.operator in (">>", "&>>") else "overwrite"
    where = f" (on {remote})" if remote else ""

    def confirm(rule: str, message: str, decision: Decision = Decision.CONFIRM) -> list[Finding]:
        return [Finding(rule, decision, write.command, message + where, write.path or write.target)]

    if write.dynamic:
        return confirm(
            "engine.redirect-dynamic",
            f"`{write.operator}` would {verb} `{write.target}`, a file named only at run time",
        )
    path = write.path
    if path is None:
        return confirm(
            "engine.redirect-outside-project",
            f"`{write.operator}` would {verb} `{write.target}` in a directory agentsh"
            " could not follow",
        )
    if path in _HARMLESS_DEVICES or path.startswith(_HARMLESS_DEVICE_DIRS):
        return []
    if path.startswith(_DISK_DEVICES):
        return confirm(
            "engine.redirect-device",
            f"`{write.operator}` would {verb} the device {path}, destroying what is on it",
            Decision.DENY,
        )
    if path.startswith("/dev/"):
        return confirm(
            "engine.redirect-device", f"`{write.operator}` would write to the device {path}"
        )
    if any(_within(path, root) for root in (*ctx.tmp_dirs, *ctx.writable)):
        return []
    if not _within(path, ctx.project_root):
        return confirm(
            "engine.redirect-outside-project",
            f"`{write.operator}` would {verb} {path}, outside the project",
        )
    relative = path[len(ctx.project_root.rstrip("/")) + 1 :]
    if any(
        relative.startswith(protected) if protected.endswith("/") else relative == protected
        for protected in _PROTECTED_IN_PROJECT
    ):
        return confirm(
            "engine.redirect-protected",
            f"`{write.operator}` would {verb} {path}, a file that tools or people trust and run",
        )
    return []


# --- profile rules -------------------------------------------------------------------


def _apply_rules(
    rules: Sequence[ProfileRule], cmd: SimpleCommand, findings: list[Finding]
) -> list[Finding]:
    """The last matching rule wins. An allow drops this command's confirm
    findings (never a deny, never on a remote machine); confirm and deny add a
    `profile` finding."""
    chosen: ProfileRule | None = None
    for rule in rules:
        if _rule_matches(rule, cmd, findings):
            chosen = rule
    if chosen is None:
        return findings
    if chosen.decision == Decision.ALLOW:
        return [found for found in findings if found.decision >= Decision.DENY]
    target = next((f.target for f in findings if f.target), None)
    return [
        *findings,
        Finding(
            "profile", chosen.decision, cmd.display, f"{chosen.reason} ({chosen.origin})", target
        ),
    ]


def _rule_matches(rule: ProfileRule, cmd: SimpleCommand, findings: list[Finding]) -> bool:
    if len(cmd.argv) < len(rule.match) or not rule.match:
        return False
    if rule.decision == Decision.ALLOW and cmd.remote:
        return False
    for index, alternatives in enumerate(rule.match):
        if not cmd.is_static(index):
            return False
        words = (cmd.program, cmd.argv[0]) if index == 0 else (cmd.argv[index],)
        if not any(fnmatchcase(word, glob) for word in words for glob in alternatives):
            return False
    if rule.target is None:
        return True
    targets = [found.target for found in findings]
    if rule.decision == Decision.ALLOW:
        return bool(targets) and all(t is not None and fnmatchcase(t, rule.target) for t in targets)
    return any(t is not None and fnmatchcase(t, rule.target) for t in targets)
