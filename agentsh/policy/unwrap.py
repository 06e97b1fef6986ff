"""Wrappers: commands that run another command, and what they run.

`unwrap(cmd, ctx, packages)` answers for one simple command: which commands it
starts directly (`sudo rm -rf x` → `rm -rf x`), which text it hands to a shell
to parse again (`bash -c '…'`, `eval …`, `ssh host …`), and what it cannot be
seen through (`curl … | sh`, `source "$F"`). The engine judges the wrapper
itself too, then recurses into the result.

Most wrappers are data (`_SPECS`: which options take a value, how many words
come before the command); the ones with a grammar of their own (`env -S`,
`xargs -I`, `find -exec … {} +`, `docker run`, `kubectl exec … --`, shells,
`npx`) have a function each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from agentsh.policy.model import Context, Finding, SimpleCommand, Stdin, finding
from agentsh.policy.parse import UNKNOWN_CWD, resolve
from agentsh.policy.static_values import SHELLS as SHELLS
from agentsh.records import record, replace

_INHERIT = Stdin("inherit")
_ASSIGNMENT = r"[A-Za-z_][A-Za-z0-9_]*="
_SAFE_WORD = r"[\w@%+=:,./-]+"
_PARALLEL_PLACEHOLDER = r"\{(?:\d*[./#%]*|//|/\.)\}"
_PYTHON = r"(?:python|pypy)(?:\d+(?:\.\d+)*)?"
_EXPANSION = (
    r"\$\{[^}]*\}?|\$\(\(?[^)]*\)?\)?|\$[A-Za-z_]\w*|\$[0-9@*#?$!-]|`[^`]*`?|[<>]\([^)]*\)?"
)
_SCRIPT_SUFFIXES = (".sh", ".bash")
STDIN_PATHS = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_SHEBANG = r"#!\s*\S*/(?:env\s+(?:-S\s+)?)?(?:ba|da|k|z|mk)?sh\b"


@record
class Code:
    """Shell text a wrapper runs, to be parsed like a command line of its own."""

    text: str
    ctx: Context
    via: tuple[tuple[str, ...], ...]
    remote: str | None = None
    stdin: Stdin = _INHERIT


@record
class Step:
    commands: tuple[tuple[SimpleCommand, Context], ...] = ()
    code: tuple[Code, ...] = ()
    findings: tuple[Finding, ...] = ()
    wanted: tuple[str, ...] = ()


_NOTHING = Step()


def unwrap(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step | None:
    """What `cmd` runs, or None when it is not a wrapper."""
    program = cmd.program
    if len(cmd.argv) > 1 and cmd.is_static(1):
        handler = _SUBCOMMANDS.get((program, cmd.argv[1]))
        if handler is not None:
            return handler(cmd, ctx, packages)
    handler = _HANDLERS.get(program)
    if handler is not None:
        return handler(cmd, ctx, packages)
    spec = _SPECS.get(program)
    if spec is not None:
        return _generic(cmd, ctx, spec, 1)
    if is_interpreter(program):
        return _interpreter(cmd, ctx)
    if "/" in cmd.argv[0]:
        return _script(cmd, ctx, 0, direct=True)
    return None


# --- building blocks -----------------------------------------------------------------


def display(argv: Sequence[str], dynamic: frozenset[int] = frozenset()) -> str:
    """argv as a shell line a human can read (static words quoted when needed)."""
    return " ".join(
        word
        if i in dynamic or re.fullmatch(_SAFE_WORD, word)
        else "'" + word.replace("'", "'\\''") + "'"
        for i, word in enumerate(argv)
    )


def _via(cmd: SimpleCommand) -> tuple[tuple[str, ...], ...]:
    return (*cmd.via, cmd.argv)


REMOTE_PROJECT = "/nonexistent-remote-project"
"""The project root remote commands are judged against: no path is inside it."""


def _remote_ctx(ctx: Context) -> Context:
    """Paths on another machine or container are never this project's files."""
    return replace(ctx, cwd=UNKNOWN_CWD, project_root=REMOTE_PROJECT, files={})


def _inner(
    cmd: SimpleCommand,
    start: int,
    *,
    prefix: Sequence[str] = (),
    end: int | None = None,
    dynamic_words: Sequence[int] = (),
    extra_args_unknown: bool | None = None,
    stdin: Stdin | None = None,
    remote: str | None = None,
    env: Sequence[tuple[str, str]] = (),
) -> SimpleCommand:
    """The command `cmd` runs from word `start` on (optionally after `prefix` words).

    `NAME=value` words in front are taken as assignments even where the real
    wrapper would look for a program of that name: reading too much is safe.
    """
    stop = len(cmd.argv) if end is None else end
    assignments = list(env)
    while (
        not prefix
        and start < stop - 1
        and cmd.is_static(start)
        and re.match(_ASSIGNMENT, cmd.argv[start])
    ):
        name, _, value = cmd.argv[start].partition("=")
        assignments.append((name, value))
        start += 1
    shift = len(prefix) - start
    argv = (*prefix, *cmd.argv[start:stop])
    dynamic = frozenset(i + shift for i in (*cmd.dynamic, *dynamic_words) if start <= i < stop)
    return SimpleCommand(
        argv=argv,
        text=display(argv, dynamic),
        dynamic=dynamic,
        stdin=cmd.stdin if stdin is None else stdin,
        extra_args_unknown=cmd.extra_args_unknown
        if extra_args_unknown is None
        else extra_args_unknown or cmd.extra_args_unknown,
        via=_via(cmd),
        remote=remote or cmd.remote,
        env=(*cmd.env, *assignments),
    )


def _joined(cmd: SimpleCommand, start: int, end: int | None = None) -> tuple[str, list[str]]:
    """Words joined with spaces (how eval, ssh, watch build a line) and the dynamic ones."""
    stop = len(cmd.argv) if end is None else end
    words = cmd.argv[start:stop]
    return " ".join(words), [cmd.argv[i] for i in range(start, stop) if i in cmd.dynamic]


def _code(
    cmd: SimpleCommand,
    ctx: Context,
    text: str,
    dynamic_parts: Sequence[str],
    *,
    remote: str | None = None,
    stdin: Stdin | None = None,
) -> Step:
    """Shell text to parse again; run-time expansions in it could inject commands."""
    findings: tuple[Finding, ...] = ()
    if dynamic_parts:
        expansions = [e for part in dynamic_parts for e in re.findall(_EXPANSION, part) or [part]]
        parts = ", ".join(f"`{part}`" for part in dict.fromkeys(expansions) if part)
        parts = parts if len(parts) < 120 else parts[:117] + "…"
        findings = (
            finding(
                "engine.dynamic-code",
                cmd,
                f"agentsh cannot see all the code `{cmd.program}` would run:"
                f" it contains {parts}, expanded only at run time",
            ),
        )
    if remote:
        ctx = _remote_ctx(ctx)
    code = Code(text, ctx, _via(cmd), remote or cmd.remote, cmd.stdin if stdin is None else stdin)
    return Step(code=(code,), findings=findings)


def _merge(*steps: Step) -> Step:
    return Step(
        tuple(c for s in steps for c in s.commands),
        tuple(c for s in steps for c in s.code),
        tuple(f for s in steps for f in s.findings),
        tuple(w for s in steps for w in s.wanted),
    )


@record
class _Options:
    found: tuple[tuple[str, str | None, int], ...]
    """(name, value, index of the option word)."""
    end: int
    """Index of the first word after the options."""

    def has(self, names: frozenset[str] | set[str]) -> bool:
        return any(name in names for name, _, _ in self.found)

    def value(self, names: frozenset[str] | set[str]) -> tuple[str, int] | None:
        """The last value given to one of `names`, with the index of the word holding it."""
        for name, value, index in reversed(self.found):
            if name in names and value is not None:
                return value, index
        return None


def _options(
    cmd: SimpleCommand,
    start: int,
    values: frozenset[str],
    *,
    plus: bool = False,
    permute: bool = False,
) -> _Options:
    """getopt-style options from `start` up to the first operand (or `--`).

    Short options are `-x` (clusters allowed, `-uUSER` or `-u USER`), long ones
    `--name`/`--name=value`; `values` names those that take a value. A dynamic
    word ends the options: agentsh cannot tell what it is. With `permute`
    (GNU getopt's default) options may also follow operands.
    """
    argv = cmd.argv
    found: list[tuple[str, str | None, int]] = []
    i = start
    while i < len(argv):
        word = argv[i]
        if not cmd.is_static(i) or len(word) < 2 or word[0] not in ("-+" if plus else "-"):
            if permute and word != "--":
                i += 1
                continue
            break
        if word == "--":
            i += 1
            break
        if word.startswith("--"):
            name, equals, value = word.partition("=")
            if equals:
                found.append((name, value, i))
            elif name in values and i + 1 < len(argv):
                found.append((name, argv[i + 1], i + 1))
                i += 1
            else:
                found.append((name, None, i))
            i += 1
            continue
        for position in range(1, len(word)):
            name = word[0] + word[position]
            if name in values:
                rest = word[position + 1 :]
                if rest:
                    found.append((name, rest, i))
                elif i + 1 < len(argv):
                    found.append((name, argv[i + 1], i + 1))
                    i += 1
                else:
                    found.append((name, None, i))
                break
            found.append((name, None, i))
        i += 1
    return _Options(tuple(found), i)


def _positions(
    cmd: SimpleCommand, start: int, values: frozenset[str], flags: frozenset[str], limit: int = 8
) -> list[int]:
    """Every index where the first operand may start, for CLIs with options agentsh
    may not know (docker run has dozens): an unknown `--long` option might take
    a value or not, so both readings are followed (fail closed: each candidate
    command is judged)."""
    candidates: list[int] = []
    pending = [start]
    while pending and len(candidates) < limit:
        i = pending.pop()
        argv = cmd.argv
        while i < len(argv):
            word = argv[i]
            if not cmd.is_static(i):
                candidates.append(i)
                pending.extend((i + 1, i + 2))
                break
            if word == "--":
                i += 1
                candidates.append(i)
                break
            if len(word) < 2 or not word.startswith("-"):
                candidates.append(i)
                break
            if word.startswith("--"):
                name = word.partition("=")[0]
                if "=" in word or name in flags:
                    i += 1
                elif name in values:
                    i += 2
                else:
                    pending.append(i + 1)
                    i += 2
                continue
            i += 1
            for position in range(1, len(word)):
                if "-" + word[position] in values:
                    i += 0 if word[position + 1 :] else 1
                    break
        else:
            candidates.append(i)
    return sorted(set(candidates))


def _target(cmd: SimpleCommand, ctx: Context, index: int) -> tuple[str | None, str | None]:
    """(absolute path, text from ctx.files) of a file argument."""
    if not cmd.is_static(index):
        return None, None
    path = resolve(ctx, cmd.argv[index])
    return path, ctx.files.get(path) if path else None


# --- shells, source, eval, interpreters ----------------------------------------------


def _shell(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    argv = cmd.argv
    command_mode = stdin_mode = False
    i = 1
    code_option: int | None = None
    while i < len(argv):
        word = argv[i]
        if cmd.is_static(i) and word in ("--", "-"):
            i += 1
            stdin_mode = stdin_mode or word == "-"
            break
        if not cmd.is_static(i) or len(word) < 2 or word[0] not in "-+":
            break
        i += 1
        if word.startswith("--"):
            name, equals, _ = word.partition("=")
            if name == "--command":  # fish
                command_mode = True
                if equals:
                    return _code_word(cmd, ctx, i - 1, word[len("--command=") :])
                code_option = i
                break
            if name in ("--rcfile", "--init-file", "--init-command") and not equals:
                i += 1
            continue
        letters = word[1:]
        command_mode = command_mode or "c" in letters
        stdin_mode = stdin_mode or "s" in letters
        i += sum(letters.count(letter) for letter in ("Cdop" if cmd.program == "fish" else "oO"))
    if command_mode:
        index = code_option if code_option is not None else i
        if index >= len(argv):
            return _NOTHING
        return _code_word(cmd, ctx, index, argv[index])
    if i < len(argv) and not stdin_mode:
        return _script(cmd, ctx, i, direct=False) or _NOTHING
    if cmd.extra_args_unknown and not stdin_mode:
        return _unseen(cmd, "the script it runs comes from arguments added at run time")
    return _shell_stdin(cmd, ctx)


def _code_word(cmd: SimpleCommand, ctx: Context, index: int, text: str) -> Step:
    dynamic = [cmd.argv[index]] if index in cmd.dynamic else []
    return _code(cmd, ctx, text, dynamic, stdin=cmd.stdin)


def _shell_stdin(cmd: SimpleCommand, ctx: Context) -> Step:
    """A shell with no command string and no script reads its commands from stdin."""
    stdin = cmd.stdin
    if stdin.kind == "inherit":
        if cmd.remote:
            return Step(
                findings=(
                    finding(
                        "engine.remote-shell",
                        cmd,
                        f"`{cmd.display}` would open an interactive shell on {cmd.remote}",
                    ),
                )
            )
        return _NOTHING
    if stdin.text is None:
        return _piped(cmd, stdin)
    dynamic = [f"{stdin.kind} text"] if stdin.dynamic else []
    return _code(cmd, ctx, stdin.text, dynamic, stdin=_INHERIT)


def _piped(cmd: SimpleCommand, stdin: Stdin) -> Step:
    source = f" from `{stdin.source}`" if stdin.source else ""
    return Step(
        findings=(
            finding(
                "engine.piped-into-shell",
                cmd,
                f"`{cmd.program}` would run code it reads{source}, which agentsh cannot see",
            ),
        )
    )


def _unseen(cmd: SimpleCommand, why: str, wanted: tuple[str, ...] = ()) -> Step:
    return Step(
        findings=(
            finding(
                "engine.unseen-source",
                cmd,
                f"agentsh cannot see the code `{cmd.display}` would run: {why}",
            ),
        ),
        wanted=wanted,
    )


def _script(cmd: SimpleCommand, ctx: Context, index: int, *, direct: bool) -> Step | None:
    """`bash script.sh`, `source f`, `./deploy.sh`: parse the script when its text was given.

    A script not handed over in ctx.files runs unjudged for now (`bash x.sh`,
    `./x.sh`): the nested guard, not this engine, will watch what scripts start.
    Sourcing is different: `source f` changes the current shell, so an unseen
    sourced file is confirmed.
    """
    word = cmd.argv[index]
    sourcing = cmd.program in ("source", ".") and not direct
    if not cmd.is_static(index):
        if word.startswith(("<(", ">(")):
            return _piped(cmd, Stdin("pipe", None, word))
        return _unseen(cmd, f"the file `{word}` is only known at run time")
    path, text = _target(cmd, ctx, index)
    if path in STDIN_PATHS:
        return _shell_stdin(cmd, ctx)
    if path and path.startswith(("/dev/", "/proc/")):
        return _piped(cmd, Stdin("pipe", None, word))
    if text is not None:
        if direct and not (path or "").endswith(_SCRIPT_SUFFIXES) and not re.match(_SHEBANG, text):
            return None
        return _code(cmd, ctx, text, [], stdin=cmd.stdin)
    if direct:
        wanted = (path,) if path and path.endswith(_SCRIPT_SUFFIXES) else ()
        return Step(wanted=wanted) if wanted else None
    if sourcing:
        return _unseen(cmd, f"agentsh was not given the text of `{word}`", (path,) if path else ())
    return Step(wanted=(path,) if path else ())


def _source(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    index = 2 if len(cmd.argv) > 2 and cmd.argv[1] == "--" else 1
    if index >= len(cmd.argv):
        return _NOTHING
    return _script(cmd, ctx, index, direct=False) or _NOTHING


def _eval(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    start = 2 if len(cmd.argv) > 1 and cmd.argv[1] == "--" else 1
    text, dynamic = _joined(cmd, start)
    return _code(cmd, ctx, text, dynamic) if text.strip() else _NOTHING


@record
class _Interpreter:
    inline: frozenset[str]
    """Options that carry the program itself (`-c`, `-e`, `-m`)."""
    values: frozenset[str] = frozenset()


_INTERPRETERS: dict[str, _Interpreter] = {
    "python": _Interpreter(frozenset({"-c", "-m"}), frozenset({"-W", "-X", "--check-hash-based-pycs"})),
    "node": _Interpreter(
        frozenset({"-e", "--eval", "-p", "--print"}),
        frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader", "-C",
                   "--conditions", "--input-type", "--inspect-port", "--title", "--env-file"}),
    ),
    "perl": _Interpreter(frozenset({"-e", "-E"}), frozenset({"-I", "-M", "-m"})),
    "ruby": _Interpreter(frozenset({"-e"}), frozenset({"-I", "-r", "-E", "-C", "-x"})),
    "php": _Interpreter(frozenset({"-r"}), frozenset({"-c", "-d", "-z", "-t"})),
    "lua": _Interpreter(frozenset({"-e"}), frozenset({"-l"})),
    "Rscript": _Interpreter(frozenset({"-e", "--expr"})),
    "osascript": _Interpreter(frozenset({"-e"}), frozenset({"-l", "-s"})),
}  # fmt: skip
for _other, _name in (("nodejs", "node"), ("luajit", "lua"), ("lua5.4", "lua"), ("php8", "php")):
    _INTERPRETERS[_other] = _INTERPRETERS[_name]


def is_interpreter(program: str) -> bool:
    """Programs that read their program text from stdin when given no script."""
    return program in _INTERPRETERS or re.fullmatch(_PYTHON, program) is not None


def _interpreter(cmd: SimpleCommand, ctx: Context) -> Step | None:
    """`curl … | python3`: an interpreter reading its program from unseen stdin."""
    spec = _INTERPRETERS["python" if re.fullmatch(_PYTHON, cmd.program) else cmd.program]
    options = _options(cmd, 1, spec.values)
    if options.has(spec.inline):
        return None
    script = cmd.argv[options.end] if options.end < len(cmd.argv) else None
    if (
        script not in (None, "-", *STDIN_PATHS)
        or cmd.stdin.kind == "inherit"
        or cmd.stdin.text is not None
    ):
        return None
    return _piped(cmd, cmd.stdin)


# --- wrappers with a grammar of their own -----------------------------------------


def _env(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    values = frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-P"})
    options = _options(cmd, 1, values)
    i = options.end
    if i < len(cmd.argv) and cmd.argv[i] == "-" and cmd.is_static(i):
        i += 1
    env: list[tuple[str, str]] = []
    while i < len(cmd.argv) and cmd.is_static(i) and re.match(_ASSIGNMENT, cmd.argv[i]):
        name, _, value = cmd.argv[i].partition("=")
        env.append((name, value))
        i += 1
    chdir = options.value(frozenset({"-C", "--chdir"}))
    if chdir is not None:
        ctx = _chdir(cmd, ctx, *chdir)
    split = options.value(frozenset({"-S", "--split-string"}))
    if split is not None:
        text, dynamic = _joined(cmd, i)
        dynamic = ([split[0]] if split[1] in cmd.dynamic else []) + dynamic
        return _code(cmd, ctx, f"{split[0]} {text}".strip(), dynamic)
    if i >= len(cmd.argv):
        return _NOTHING
    return Step(commands=((_inner(cmd, i, env=env), ctx),))


def _chdir(cmd: SimpleCommand, ctx: Context, directory: str, index: int) -> Context:
    path = resolve(ctx, directory) if cmd.is_static(index) else None
    return replace(ctx, cwd=path or UNKNOWN_CWD)


def _xargs(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`xargs CMD ARGS…` runs CMD with more arguments read from stdin; with
    `-I R`, R in ARGS is replaced instead. No CMD means `echo`."""
    argv = cmd.argv
    with_value = set("adEILnPs")
    long_with_value = {"--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars",
                       "--process-slot-var"}  # fmt: skip
    replace_with: str | None = None
    i = 1
    while i < len(argv) and cmd.is_static(i) and len(argv[i]) > 1 and argv[i][0] == "-":
        word = argv[i]
        i += 1
        if word == "--":
            break
        if word.startswith("--"):
            name, equals, value = word.partition("=")
            if name == "--replace":
                replace_with = value if equals else "{}"
            elif name in long_with_value and not equals:
                i += 1
            continue
        for position in range(1, len(word)):
            letter, rest = word[position], word[position + 1 :]
            if letter in with_value:
                value = rest
                if not rest and i < len(argv):
                    value = argv[i]
                    i += 1
                if letter == "I":
                    replace_with = value
                break
            if letter in "eil":
                if letter == "i":
                    replace_with = rest or "{}"
                break
    if i >= len(argv):
        echo = SimpleCommand(("echo",), "echo", via=_via(cmd), remote=cmd.remote)
        return Step(commands=((echo, ctx),))
    placeholders = [k for k in range(i, len(argv)) if replace_with and replace_with in argv[k]]
    inner = _inner(
        cmd,
        i,
        dynamic_words=placeholders,
        extra_args_unknown=not replace_with,
        stdin=_INHERIT,
    )
    return Step(commands=((inner, ctx),))


def _find(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`find … -exec CMD {} ;` (or `+`, `-execdir`, `-ok`, `-okdir`)."""
    argv = cmd.argv
    commands: list[tuple[SimpleCommand, Context]] = []
    i = 1
    while i < len(argv):
        if not (cmd.is_static(i) and argv[i] in ("-exec", "-execdir", "-ok", "-okdir")):
            i += 1
            continue
        action, start = argv[i], i + 1
        end = start
        while end < len(argv) and not (
            cmd.is_static(end)
            and (argv[end] == ";" or (argv[end] == "+" and end > start and argv[end - 1] == "{}"))
        ):
            end += 1
        if end > start:
            inner = _inner(
                cmd,
                start,
                end=end,
                dynamic_words=[k for k in range(start, end) if "{}" in argv[k]],
                extra_args_unknown=end < len(argv) and argv[end] == "+",
                stdin=_INHERIT,
            )
            where = replace(ctx, cwd=UNKNOWN_CWD) if action in ("-execdir", "-okdir") else ctx
            commands.append((inner, where))
        i = end + 1
    return Step(commands=tuple(commands))


_PARALLEL_VALUES = frozenset(
    {"-j", "--jobs", "-P", "--max-procs", "-S", "--sshlogin", "--slf", "--sshloginfile", "-a",
     "--arg-file", "--delay", "--joblog", "--results", "--res", "--tmpdir", "-N", "--max-args",
     "-n", "-L", "--max-lines", "-l", "-I", "-d", "--delimiter", "-E", "--colsep", "-C",
     "--timeout", "--retries", "--halt", "--memfree", "--load", "--workdir", "--wd",
     "--tag-string", "--tagstring", "--basefile", "--bf", "--return", "--env", "--limit",
     "--block", "--recstart", "--recend", "--seqreplace", "--ssh", "--sshdelay", "--termseq",
     "--nice", "--transferfile", "--tf", "--sql", "--sqlmaster", "--sqlworker", "--cat"}
)  # fmt: skip
_PARALLEL_SEPARATORS = frozenset({":::", "::::", ":::+", "::::+"})


def _parallel(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """GNU parallel runs its command through a shell, once per input; with no
    command, the inputs (from `:::` or stdin) are the commands."""
    options = _options(cmd, 1, _PARALLEL_VALUES)
    argv = cmd.argv
    end = next(
        (k for k in range(options.end, len(argv)) if argv[k] in _PARALLEL_SEPARATORS),
        len(argv),
    )
    hosts = options.value(frozenset({"-S", "--sshlogin"}))
    remote = hosts[0] if hosts and hosts[0] != ":" else None
    if end > options.end:
        text, dynamic = _joined(cmd, options.end, end)
        marked = re.sub(_PARALLEL_PLACEHOLDER, '"$PARALLEL_ARG"', text)
        if marked == text:
            marked += ' "$PARALLEL_ARG"'
        return _code(cmd, ctx, marked, dynamic, remote=remote, stdin=_INHERIT)
    if end < len(argv):
        if argv[end] != ":::":
            return _unseen(cmd, "the commands come from a file")
        steps = [
            _code(cmd, ctx, argv[k], [argv[k]] if k in cmd.dynamic else [], remote=remote)
            for k in range(end + 1, len(argv))
            if argv[k] not in _PARALLEL_SEPARATORS
        ]
        return _merge(*steps)
    if cmd.stdin.text is not None:
        dynamic = ["stdin text"] if cmd.stdin.dynamic else []
        return _code(cmd, ctx, cmd.stdin.text, dynamic, remote=remote, stdin=_INHERIT)
    return _piped(cmd, cmd.stdin)


def _watch(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    options = _options(cmd, 1, frozenset({"-n", "--interval", "-q", "--equexit"}))
    if options.end >= len(cmd.argv):
        return _NOTHING
    if options.has(frozenset({"-x", "--exec"})):
        return Step(commands=((_inner(cmd, options.end, stdin=_INHERIT), ctx),))
    text, dynamic = _joined(cmd, options.end)
    return _code(cmd, ctx, text, dynamic, stdin=_INHERIT)


_SSH_VALUES = frozenset("-" + letter for letter in "BbcDEeFIiJLlmOoPpQRSWw")
_SSH_NO_SHELL = frozenset({"-O", "-Q", "-V", "-G", "-N", "-W", "-s"})


def _ssh(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`ssh [options] HOST [CMD…]`: the remote shell parses CMD joined with spaces."""
    options = _options(cmd, 1, _SSH_VALUES)
    if options.has(_SSH_NO_SHELL) or options.end >= len(cmd.argv):
        return _NOTHING
    host = cmd.argv[options.end]
    remote_command = [
        re.split(r"\s*=\s*|\s+", value, maxsplit=1)[-1]
        for name, value, _ in options.found
        if name == "-o" and value and re.match(r"(?i)remotecommand\b", value)
    ]
    start = options.end + 1
    if start < len(cmd.argv):
        text, dynamic = _joined(cmd, start)
        return _code(cmd, ctx, text, dynamic, remote=host)
    if remote_command:
        return _code(cmd, ctx, remote_command[-1], [], remote=host)
    shell = SimpleCommand(("sh",), "sh", stdin=cmd.stdin, via=_via(cmd), remote=host)
    if cmd.stdin.kind == "inherit":
        return Step(
            findings=(
                finding(
                    "engine.remote-shell",
                    shell,
                    f"`{cmd.display}` would open an interactive shell on {host}",
                ),
            )
        )
    return Step(commands=((shell, _remote_ctx(ctx)),))


_DOCKER_GLOBAL_VALUES = frozenset(
    {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert",
     "--tlscert", "--tlskey", "--connection", "--url", "--identity", "--root", "--runroot",
     "--storage-driver", "--storage-opt", "--cgroup-manager", "--conmon", "--events-backend",
     "--hooks-dir", "--network-cmd-path", "--runtime", "--tmpdir", "--module", "--namespace",
     "-n", "--address", "-a"}
)  # fmt: skip
_DOCKER_EXEC_VALUES = frozenset(
    {"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys",
     "--preserve-fds"}
)  # fmt: skip
_DOCKER_EXEC_FLAGS = frozenset(
    {"-d", "--detach", "-i", "--interactive", "-t", "--tty", "--privileged", "--latest", "-l"}
)
_DOCKER_RUN_VALUES = frozenset(
    {"-a", "-c", "-e", "-h", "-l", "-m", "-p", "-u", "-v", "-w", "--name", "--entrypoint",
     "--env", "--env-file", "--volume", "--publish", "--network", "--net", "--workdir",
     "--user", "--mount", "--label", "--label-file", "--hostname", "--add-host", "--platform",
     "--pull", "--restart", "--memory", "--cpus", "--device", "--cap-add", "--cap-drop",
     "--security-opt", "--tmpfs", "--ulimit", "--gpus", "--shm-size", "--dns", "--ipc",
     "--pid", "--log-driver", "--log-opt", "--attach", "--expose", "--link", "--volumes-from",
     "--runtime", "--stop-signal", "--stop-timeout", "--health-cmd", "--userns", "--uts",
     "--cgroupns", "--cidfile", "--detach-keys", "--network-alias", "--sysctl"}
)  # fmt: skip
_DOCKER_RUN_FLAGS = frozenset(
    {"--rm", "--init", "--read-only", "--privileged", "--detach", "--interactive", "--tty",
     "--publish-all", "--no-healthcheck", "--oom-kill-disable", "--quiet", "--sig-proxy",
     "--disable-content-trust", "--use-api-socket", "--replace", "--rmi", "--no-hosts",
     "--env-host", "--read-only-tmpfs", "--tls-verify", "--http-proxy", "--help"}
)  # fmt: skip
_COMPOSE_GLOBAL_VALUES = frozenset(
    {"-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file",
     "--ansi", "--progress", "--parallel"}
)  # fmt: skip
_COMPOSE_EXEC_VALUES = frozenset({"-e", "--env", "--index", "-u", "--user", "-w", "--workdir"})
_COMPOSE_EXEC_FLAGS = frozenset(
    {"-d", "--detach", "--privileged", "-T", "--no-TTY", "--dry-run", "-i", "-t", "--interactive",
     "--tty"}
)  # fmt: skip
_COMPOSE_RUN_VALUES = frozenset(
    {"-e", "--env", "-l", "--label", "--name", "-p", "--publish", "--pull", "-u", "--user", "-v",
     "--volume", "-w", "--workdir", "--entrypoint", "--cap-add", "--cap-drop", "--env-from-file"}
)  # fmt: skip
_COMPOSE_RUN_FLAGS = frozenset(
    {"--build", "-d", "--detach", "-i", "--interactive", "--no-deps", "--quiet-pull",
     "--remove-orphans", "--rm", "-P", "--service-ports", "--use-aliases", "-T", "--no-TTY",
     "-t", "--tty", "--quiet", "--quiet-build", "--dry-run"}
)  # fmt: skip


def _docker(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`docker|podman [global] exec|run|container exec|compose exec …`."""
    options = _options(cmd, 1, _DOCKER_GLOBAL_VALUES)
    i = options.end
    argv = cmd.argv
    if i < len(argv) and argv[i] == "container" and cmd.is_static(i):
        i += 1
    verb = argv[i] if i < len(argv) and cmd.is_static(i) else ""
    if verb == "exec":
        return _container(cmd, ctx, i + 1, _DOCKER_EXEC_VALUES, _DOCKER_EXEC_FLAGS)
    if verb == "run":
        return _container(cmd, ctx, i + 1, _DOCKER_RUN_VALUES, _DOCKER_RUN_FLAGS)
    if verb == "compose":
        return _compose(cmd, ctx, i + 1)
    return _NOTHING


def _compose_command(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    return _compose(cmd, ctx, 1)


def _compose(cmd: SimpleCommand, ctx: Context, start: int) -> Step:
    options = _options(cmd, start, _COMPOSE_GLOBAL_VALUES)
    i = options.end
    verb = cmd.argv[i] if i < len(cmd.argv) and cmd.is_static(i) else ""
    if verb == "exec":
        return _container(cmd, ctx, i + 1, _COMPOSE_EXEC_VALUES, _COMPOSE_EXEC_FLAGS)
    if verb == "run":
        return _container(cmd, ctx, i + 1, _COMPOSE_RUN_VALUES, _COMPOSE_RUN_FLAGS)
    return _NOTHING


def _container(
    cmd: SimpleCommand, ctx: Context, start: int, values: frozenset[str], flags: frozenset[str]
) -> Step:
    """CONTAINER (or IMAGE, or SERVICE) then the command run inside it."""
    commands: list[tuple[SimpleCommand, Context]] = []
    entrypoint = _options(cmd, start, values).value(frozenset({"--entrypoint"}))
    for position in _positions(cmd, start, values, flags):
        if position >= len(cmd.argv):
            continue
        name = cmd.argv[position]
        prefix = (entrypoint[0],) if entrypoint else ()
        if position + 1 >= len(cmd.argv) and not prefix:
            continue
        inner = _inner(cmd, position + 1, prefix=prefix, remote=f"container {name}")
        if entrypoint and entrypoint[1] in cmd.dynamic:
            inner = replace(inner, dynamic=inner.dynamic | {0})
        commands.append((inner, _remote_ctx(ctx)))
    return Step(commands=tuple(commands))


_KUBECTL_VALUES = frozenset(
    {"-c", "--container", "-n", "--namespace", "--context", "--kubeconfig", "--cluster",
     "--user", "-s", "--server", "--token", "--as", "--as-group", "--as-uid",
     "--request-timeout", "--pod-running-timeout", "-f", "--filename", "--certificate-authority",
     "--client-certificate", "--client-key", "--tls-server-name", "--cache-dir", "-v", "--v",
     "--image", "--env", "--labels", "-l", "--overrides", "--port", "--restart",
     "--image-pull-policy", "--serviceaccount", "--profile"}
)  # fmt: skip


def _kubectl(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`kubectl exec [options] POD -- CMD…` (and `kubectl run NAME … -- CMD…`)."""
    argv = cmd.argv
    operands: list[int] = []
    namespace = context = None
    i = 1
    while i < len(argv) and not (argv[i] == "--" and cmd.is_static(i)):
        word = argv[i]
        if cmd.is_static(i) and word.startswith("-") and len(word) > 1:
            name, equals, value = word.partition("=")
            if not equals and not name.startswith("--"):
                name, value = name[:2], name[2:]
            if not equals and not value and name in _KUBECTL_VALUES:
                value = argv[i + 1] if i + 1 < len(argv) else ""
                i += 1
            if name in ("-n", "--namespace"):
                namespace = value
            elif name == "--context":
                context = value
        else:
            operands.append(i)
        i += 1
    if len(operands) < 2 or argv[operands[0]] not in ("exec", "run"):
        return _NOTHING
    pod = argv[operands[1]]
    start = i + 1 if i < len(argv) else (operands[2] if len(operands) > 2 else len(argv))
    if start >= len(argv):
        return _NOTHING
    where = f"pod {pod}"
    if namespace:
        where += f" in namespace {namespace}"
    if context:
        where += f", context {context}"
    return Step(commands=((_inner(cmd, start, remote=where), _remote_ctx(ctx)),))


# --- package runners ------------------------------------------------------------------

_NPX_VALUES = frozenset(
    {"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig", "-w",
     "--workspace", "--shell"}
)  # fmt: skip
_UVX_VALUES = frozenset(
    {"--from", "--with", "--with-editable", "--with-requirements", "-p", "--python", "--index",
     "--index-url", "--extra-index-url", "--default-index", "-f", "--find-links",
     "--python-preference", "--resolution", "--prerelease", "--exclude-newer", "--link-mode",
     "--refresh-package", "--reinstall-package", "--upgrade-package", "-P", "--config-file",
     "--cache-dir", "--directory", "--project", "--color", "--keyring-provider",
     "--index-strategy", "-C", "--config-setting", "--env-file", "-b", "--build-constraints",
     "-c", "--constraints", "--overrides", "--torch-backend", "--no-binary-package",
     "--no-build-package", "--allow-insecure-host", "--python-platform", "--package",
     "--extra", "--group", "--only-group", "--no-group", "--no-extra"}
)  # fmt: skip
_PIPX_VALUES = frozenset({"--spec", "--python", "--index-url", "-i", "--pip-args", "--backend"})


def npm_package_name(spec: str) -> str:
    """`@railway/cli@3.2` → `@railway/cli`, `cowsay@latest` → `cowsay`."""
    if spec.startswith("@"):
        scope, _, rest = spec[1:].partition("/")
        return f"@{scope}/{rest.split('@', 1)[0]}"
    return spec.split("@", 1)[0]


def pypi_package_name(spec: str) -> str:
    """`ruff==0.4`, `ruff@0.4`, `httpie[socks]>=3` → the distribution name."""
    return re.split(r"[=<>!~\[@ ;]", spec, maxsplit=1)[0]


def _package_runner(
    cmd: SimpleCommand,
    packages: Mapping[str, str],
    start: int,
    values: frozenset[str],
    *,
    pypi: bool,
    ctx: Context,
) -> Step:
    """`npx PKG ARGS`, `uvx PKG ARGS`…: run the package's program, named as the
    family modules know it (NPM_PACKAGES maps `@railway/cli` to `railway`)."""
    options = _options(cmd, start, values)
    call = options.value(frozenset({"-c", "--call"})) if not pypi else None
    if call is not None:
        return _code(cmd, ctx, call[0], [call[0]] if call[1] in cmd.dynamic else [])
    i = options.end
    if i >= len(cmd.argv):
        return _NOTHING
    named_elsewhere = options.has(
        frozenset({"--from", "--spec"}) if pypi else frozenset({"-p", "--package"})
    )
    if named_elsewhere or not cmd.is_static(i):
        return Step(commands=((_inner(cmd, i), ctx),))
    spec = cmd.argv[i]
    name = pypi_package_name(spec) if pypi else npm_package_name(spec)
    program = packages.get(name, packages.get(name.lower(), name))
    return Step(commands=((_inner(cmd, i + 1, prefix=(program,)), ctx),))


def _npx(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    start = 2 if cmd.program in ("npm", "pnpm", "yarn", "bun") else 1
    return _package_runner(cmd, packages, start, _NPX_VALUES, pypi=False, ctx=ctx)


def _uvx(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    start = 1 if cmd.program == "uvx" else 2
    if cmd.program == "uv" and len(cmd.argv) > 2 and cmd.argv[2] == "run":
        start = 3
    elif cmd.program == "uv":
        return _NOTHING
    return _package_runner(cmd, packages, start, _UVX_VALUES, pypi=True, ctx=ctx)


def _pipx(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    return _package_runner(cmd, packages, 2, _PIPX_VALUES, pypi=True, ctx=ctx)


def _uv_run(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`uv run CMD`; `uv run script.py` runs it with the project's python."""
    options = _options(cmd, 2, _UVX_VALUES)
    i = options.end
    if i >= len(cmd.argv):
        return _NOTHING
    if cmd.is_static(i) and cmd.argv[i].endswith(".py"):
        return Step(commands=((_inner(cmd, i, prefix=("python",)), ctx),))
    return Step(commands=((_inner(cmd, i), ctx),))


# --- the rest, as data --------------------------------------------------------------------


@record
class _Spec:
    values: frozenset[str] = frozenset()
    leading: int = 0
    """Operands before the command (`timeout DURATION`, `chroot DIR`, `flock FILE`)."""
    lookup: frozenset[str] = frozenset()
    """Options after which nothing runs (`command -v`, `sudo -l`)."""
    code: frozenset[str] = frozenset()
    """Options whose value is shell code (`su -c`, `flock -c`, `script -c`)."""
    shell: frozenset[str] = frozenset()
    """With no command, a shell starts when one of these options is given ("" = always)."""
    chdir: frozenset[str] = frozenset()
    assignments: bool = False
    """`NAME=value` words may come before the command (`sudo FOO=1 cmd`)."""
    operands_run: bool = True
    """False when operands are not a command (`su USER`, `script FILE`); their
    options may then also follow the operands (`su - root -c CMD`)."""
    double_dash: bool = False
    """The command follows `--` (`op run -- CMD`)."""


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


_ALWAYS = _s("")


_SPECS: dict[str, _Spec] = {
    "sudo": _Spec(
        _s("-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C",
           "--close-from", "-r", "--role", "-t", "--type", "-T", "--command-timeout", "-U",
           "--other-user", "-D", "--chdir", "-R", "--chroot"),
        lookup=_s("-l", "--list", "-v", "--validate", "-K", "--remove-timestamp", "-V",
                  "--version", "-e", "--edit"),
        shell=_s("-s", "--shell", "-i", "--login"),
        chdir=_s("-D", "--chdir"),
        assignments=True,
    ),
    "doas": _Spec(_s("-u", "-C"), lookup=_s("-C", "-L"), shell=_s("-s")),
    "run0": _Spec(
        _s("-u", "--user", "-g", "--group", "--nice", "-D", "--chdir", "--setenv",
           "--unit", "--property", "--description", "--slice", "--machine", "--background"),
        shell=_ALWAYS,
        chdir=_s("-D", "--chdir"),
    ),
    "pkexec": _Spec(_s("--user")),
    "nice": _Spec(_s("-n", "--adjustment")),
    "ionice": _Spec(_s("-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid",
                       "-u", "--uid")),
    "nohup": _Spec(),
    "time": _Spec(_s("-f", "--format", "-o", "--output")),
    "timeout": _Spec(_s("-s", "--signal", "-k", "--kill-after"), leading=1),
    "stdbuf": _Spec(_s("-i", "-o", "-e", "--input", "--output", "--error")),
    "setsid": _Spec(),
    "unbuffer": _Spec(),
    "caffeinate": _Spec(_s("-t", "-w")),
    "coproc": _Spec(),
    "exec": _Spec(_s("-a")),
    "builtin": _Spec(),
    "command": _Spec(lookup=_s("-v", "-V")),
    "chroot": _Spec(_s("--userspec", "--groups"), leading=1, shell=_ALWAYS),
    "script": _Spec(
        _s("-E", "--echo", "-I", "--log-in", "-O", "--log-out", "-B", "--log-io", "-T",
           "--log-timing", "-m", "--logging-format", "-o", "--output-limit"),
        code=_s("-c", "--command"),
        shell=_ALWAYS,
        operands_run=False,
    ),
    "su": _Spec(
        _s("-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w",
           "--whitelist-environment"),
        code=_s("-c", "--command", "--session-command"),
        shell=_ALWAYS,
        operands_run=False,
    ),
    "systemd-run": _Spec(
        _s("-u", "--unit", "-p", "--property", "--description", "--slice", "-E", "--setenv",
           "--uid", "--gid", "--working-directory", "-M", "--machine", "-H", "--host",
           "--on-active", "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive",
           "--on-calendar", "--timer-property", "--path-property", "--socket-property",
           "--service-type", "--nice", "--json"),
        chdir=_s("--working-directory"),
    ),
    "strace": _Spec(_s("-e", "-o", "-p", "-s", "-u", "-a", "-b", "-E", "-I", "-O", "-P", "-S",
                       "-X", "--output", "--attach", "--string-limit", "--user", "--env",
                       "--trace", "--signal", "--status", "--trace-path", "--summary-sort-by")),
    "ltrace": _Spec(_s("-e", "-o", "-p", "-s", "-u", "-a", "-A", "-D", "-n", "-l", "-x", "-F",
                       "-w", "--output", "--library")),
    "valgrind": _Spec(),
    "taskset": _Spec(leading=1, lookup=_s("-p", "--pid")),
    "chrt": _Spec(_s("-T", "--sched-runtime", "-P", "--sched-period", "-D", "--sched-deadline"),
                  leading=1, lookup=_s("-p", "--pid", "-m", "--max")),
    "numactl": _Spec(_s("-C", "--physcpubind", "-N", "--cpunodebind", "-m", "--membind", "-p",
                        "--preferred", "-i", "--interleave")),
    "cpulimit": _Spec(_s("-l", "--limit", "-p", "--pid", "-e", "--exe")),
    "trickle": _Spec(_s("-u", "-d", "-w", "-t", "-l", "-n")),
    "nsenter": _Spec(_s("-t", "--target", "-S", "--setuid", "-G", "--setgid"), shell=_ALWAYS),
    "unshare": _Spec(_s("-R", "--root", "-w", "--wd", "-S", "--setuid", "-G", "--setgid",
                        "--map-user", "--map-group", "--propagation", "--setgroups"), shell=_ALWAYS),
    "firejail": _Spec(),
    "proxychains": _Spec(_s("-f")),
    "proxychains4": _Spec(_s("-f")),
    "torsocks": _Spec(_s("-u", "-p", "-a", "-P", "--user", "--pass", "--address", "--port")),
    "xvfb-run": _Spec(_s("-n", "--server-num", "-e", "--error-file", "-f", "--auth-file", "-p",
                         "--xauth-protocol", "-s", "--server-args", "-w", "--wait")),
    "dbus-run-session": _Spec(),
    "tini": _Spec(_s("-p", "-e")),
    "dumb-init": _Spec(_s("-r", "--rewrite")),
    "catchsegv": _Spec(),
    "entr": _Spec(code=_s("-s")),
    "dotenv": _Spec(_s("-e", "-v", "-c"), double_dash=True),
    "busybox": _Spec(),
}  # fmt: skip

_SUBCOMMAND_SPECS: dict[tuple[str, str], _Spec] = {
    ("poetry", "run"): _Spec(_s("-C", "--directory", "-P", "--project")),
    ("pipenv", "run"): _Spec(),
    ("pdm", "run"): _Spec(_s("-p", "--project")),
    ("hatch", "run"): _Spec(),
    ("rye", "run"): _Spec(),
    ("bundle", "exec"): _Spec(_s("--gemfile")),
    ("pnpm", "exec"): _Spec(_s("-C", "--dir", "--filter", "-F")),
    ("yarn", "exec"): _Spec(),
    ("conda", "run"): _Spec(_s("-n", "--name", "-p", "--prefix", "--cwd")),
    ("mamba", "run"): _Spec(_s("-n", "--name", "-p", "--prefix", "--cwd")),
    ("micromamba", "run"): _Spec(_s("-n", "--name", "-p", "--prefix", "--cwd")),
    ("direnv", "exec"): _Spec(leading=1),
    ("op", "run"): _Spec(_s("--env-file", "--account"), double_dash=True),
    ("doppler", "run"): _Spec(_s("-p", "--project", "-c", "--config", "--token"),
                              code=_s("--command"), double_dash=True),
    ("infisical", "run"): _Spec(_s("--env", "--path", "--projectId", "--token"),
                                code=_s("--command"), double_dash=True),
    ("chamber", "exec"): _Spec(double_dash=True),
    ("aws-vault", "exec"): _Spec(_s("-d", "--duration", "-t", "--mfa-token", "-r", "--region"),
                                 leading=1),
    ("perf", "stat"): _Spec(_s("-e", "--event", "-o", "--output", "-p", "--pid", "-t", "--tid",
                               "-C", "--cpu", "-r", "--repeat", "-G", "--cgroup", "-x",
                               "--field-separator", "-I", "--interval-print")),
    ("perf", "record"): _Spec(_s("-e", "--event", "-o", "--output", "-p", "--pid", "-t",
                                 "--tid", "-C", "--cpu", "-F", "--freq", "-c", "--count", "-m",
                                 "--mmap-pages", "-j", "--branch-filter", "--call-graph", "-u",
                                 "--uid", "-G", "--cgroup")),
    ("perf", "trace"): _Spec(_s("-e", "--event", "-o", "--output", "-p", "--pid", "-t", "--tid")),
}  # fmt: skip


def _generic(cmd: SimpleCommand, ctx: Context, spec: _Spec, start: int) -> Step:
    options = _options(cmd, start, spec.values | spec.code, permute=not spec.operands_run)
    if options.has(spec.lookup):
        return _NOTHING
    steps: list[Step] = []
    for name, value, index in options.found:
        if name in spec.code and value is not None:
            steps.append(_code(cmd, ctx, value, [value] if index in cmd.dynamic else []))
    chdir = options.value(spec.chdir) if spec.chdir else None
    if chdir is not None:
        ctx = _chdir(cmd, ctx, *chdir)
    i = options.end
    if spec.double_dash:
        separator = next((k for k in range(start, len(cmd.argv)) if cmd.argv[k] == "--"), None)
        i = separator + 1 if separator is not None else i
    env: list[tuple[str, str]] = []
    while spec.assignments and i < len(cmd.argv) and cmd.is_static(i):
        if not re.match(_ASSIGNMENT, cmd.argv[i]):
            break
        name, _, value = cmd.argv[i].partition("=")
        env.append((name, value))
        i += 1
    i += spec.leading
    if i < len(cmd.argv) and cmd.argv[i] == "--" and spec.leading:
        i += 1
    if spec.operands_run and i < len(cmd.argv):
        steps.append(Step(commands=((_inner(cmd, i, env=env), ctx),)))
    elif not steps and ("" in spec.shell or options.has(spec.shell)):
        shell = SimpleCommand(("sh",), "sh", stdin=cmd.stdin, via=_via(cmd), remote=cmd.remote)
        steps.append(Step(commands=((shell, ctx),)))
    return _merge(*steps)


def _generic_handler(
    spec: _Spec, start: int
) -> Callable[[SimpleCommand, Context, Mapping[str, str]], Step]:
    return lambda cmd, ctx, packages: _generic(cmd, ctx, spec, start)


def _runuser(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`runuser -u USER CMD…` runs CMD; without -u it is `su`."""
    spec = _SPECS["su"]
    options = _options(cmd, 1, spec.values | _s("-u", "--user"))
    if options.has(_s("-u", "--user")):
        return _generic(
            cmd,
            ctx,
            replace(
                spec, values=spec.values | _s("-u", "--user"), operands_run=True, shell=frozenset()
            ),
            1,
        )
    return _generic(cmd, ctx, spec, 1)


def _flock(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`flock [options] FILE CMD…` or `flock [options] FILE -c CMD`."""
    options = _options(cmd, 1, _s("-E", "--conflict-exit-code", "-w", "--wait", "--timeout"))
    i = options.end + 1
    if i < len(cmd.argv) and cmd.is_static(i) and cmd.argv[i] in ("-c", "--command"):
        if i + 1 >= len(cmd.argv):
            return _NOTHING
        return _code_word(cmd, ctx, i + 1, cmd.argv[i + 1])
    if i >= len(cmd.argv):
        return _NOTHING
    return Step(commands=((_inner(cmd, i), ctx),))


def _sg(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`sg GROUP [-c] COMMAND…`: the command line goes to `sh -c`."""
    start = 2 + (len(cmd.argv) > 2 and cmd.argv[2] == "-c")
    if start >= len(cmd.argv):
        return _NOTHING
    text, dynamic = _joined(cmd, start)
    return _code(cmd, ctx, text, dynamic)


def _gdb(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    marker = next((k for k, word in enumerate(cmd.argv) if word == "--args"), None)
    if marker is None or marker + 1 >= len(cmd.argv):
        return _NOTHING
    return Step(commands=((_inner(cmd, marker + 1), ctx),))


def _trap(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`trap 'code' SIGNAL…` runs code later: judge it now."""
    args = [i for i in range(1, len(cmd.argv)) if cmd.argv[i] != "--"]
    if len(args) < 2 or cmd.argv[args[0]] in ("-", "-l", "-p", ""):
        return _NOTHING
    index = args[0]
    return _code(cmd, ctx, cmd.argv[index], [cmd.argv[index]] if index in cmd.dynamic else [])


def _alias(cmd: SimpleCommand, ctx: Context, packages: Mapping[str, str]) -> Step:
    """`alias ll='rm -rf'`: the value runs wherever the alias is used."""
    steps = [
        _code(cmd, ctx, word.partition("=")[2], [word] if i in cmd.dynamic else [])
        for i, word in enumerate(cmd.argv)
        if i and "=" in word
    ]
    return _merge(*steps)


_Handler = Callable[[SimpleCommand, Context, Mapping[str, str]], Step]
_HANDLERS: dict[str, _Handler] = {
    **{shell: _shell for shell in SHELLS},
    "source": _source,
    ".": _source,
    "eval": _eval,
    "env": _env,
    "xargs": _xargs,
    "find": _find,
    "parallel": _parallel,
    "watch": _watch,
    "ssh": _ssh,
    "docker": _docker,
    "podman": _docker,
    "nerdctl": _docker,
    "docker-compose": _compose_command,
    "podman-compose": _compose_command,
    "kubectl": _kubectl,
    "oc": _kubectl,
    "npx": _npx,
    "pnpx": _npx,
    "bunx": _npx,
    "uvx": _uvx,
    "runuser": _runuser,
    "gdb": _gdb,
    "sg": _sg,
    "flock": _flock,
    "trap": _trap,
    "alias": _alias,
}
_SUBCOMMANDS: dict[tuple[str, str], _Handler] = {
    ("npm", "exec"): _npx,
    ("npm", "x"): _npx,
    ("pnpm", "dlx"): _npx,
    ("yarn", "dlx"): _npx,
    ("bun", "x"): _npx,
    ("uv", "tool"): _uvx,
    ("uv", "run"): _uv_run,
    ("pipx", "run"): _pipx,
    **{key: _generic_handler(spec, 2) for key, spec in _SUBCOMMAND_SPECS.items()},
}
