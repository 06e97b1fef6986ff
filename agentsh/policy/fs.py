"""Filesystem rules: deleting, overwriting and wiping files, file systems and disks.

Paths are judged as strings only: a word is resolved against `ctx.cwd` with
`normpath`, never looked up on disk. Where a path lands decides what happens:

- `/`, the home directory, a top-level system directory, a block device: deny
  (for system directories only when the command would recurse into them);
- outside the project: confirm;
- `.git` inside the project: confirm, it is the repository's history;
- regenerable build output inside the project (`node_modules`, `dist`,
  `__pycache__`, `*.pyc`, a virtualenv …): allow, a build recreates it;
- other project files: allow for an ordinary `rm file`, confirm when recursive
  or forced, or when a glob spans the project root;
- `ctx.tmp_dirs`: allow, they are private to one sandboxed run.

A virtualenv (`.venv`, `venv`) counts as regenerable: rebuilding it is slow but
loses nothing that is not in the lockfile. A plain `rm file` in the project is
an edit like any other (the agent's editor could empty the file just as well).
"""

from __future__ import annotations

import enum
import fnmatch
import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Sequence

from agentsh.policy import lazyre
from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.model import Context, Decision, Finding, SimpleCommand, finding
from agentsh.records import record

# --------------------------------------------------------------------------- tables

REGENERABLE_DIRS: frozenset[str] = frozenset(
    {
        "node_modules", "bower_components", "dist", "build", "_build", "target", "out",
        "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".pytype", ".pyre",
        ".hypothesis", ".tox", ".nox", ".eggs", ".venv", "venv",
        ".next", ".nuxt", ".svelte-kit", ".turbo", ".parcel-cache", ".cache", ".sass-cache",
        ".angular", ".docusaurus", ".serverless", ".dart_tool", ".gradle", ".stack-work",
        "coverage", "htmlcov", ".nyc_output", "storybook-static",
    }
)  # fmt: skip
"""Directory names whose whole content a build, an install or a test run recreates."""

REGENERABLE_NAME_PATTERNS: tuple[str, ...] = (
    "*.egg-info", "*.pyc", "*.pyo", ".coverage", ".coverage.*", "coverage.xml", "lcov.info",
    "*.o", "*.obj", "*.class", "*.gcda", "*.gcno", "*.tsbuildinfo",
    ".eslintcache", ".stylelintcache", ".DS_Store",
)  # fmt: skip
"""File (or directory) names that are build or test by-products."""

SYSTEM_DIRS: frozenset[str] = frozenset(
    {
        "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
        "/media", "/mnt", "/nix", "/opt", "/proc", "/root", "/run", "/sbin", "/snap", "/srv",
        "/sys", "/usr", "/var", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64",
        "/usr/local", "/usr/share", "/usr/include", "/var/lib",
        "/Applications", "/Library", "/System", "/Users", "/Volumes", "/private",
    }
)  # fmt: skip
"""Directories whose recursive removal breaks the machine."""

_REGENERABLE_NAME_RE = lazyre.compile(
    "|".join(fnmatch.translate(pattern) for pattern in REGENERABLE_NAME_PATTERNS)
)
_BLOCK_DEVICE_RE = lazyre.compile(
    r"^/dev/(?:(?:sd|hd|vd|xvd)[a-z]|nvme\d|mmcblk\d|md\d|md/|dm-\d|nbd\d|sr\d"
    r"|disk\d|rdisk\d|disk/|mapper/|root$)"
)
_GLOB_RE = lazyre.compile(r"[*?\[]")
_MATCH_ALL_RE = lazyre.compile(r"^[.?*]*\*[.?*]*$")
"""A last path component that matches (nearly) every entry: `*`, `.*`, `*.*`, `.??*`."""
_BRACE_RE = lazyre.compile(r"\{([^{}]*,[^{}]*)\}")
_HARMLESS_SINKS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
_MAX_LISTED = 4


def is_regenerable_name(name: str) -> bool:
    """True if `name` (possibly a glob) only names regenerable build output."""
    return name in REGENERABLE_DIRS or bool(_REGENERABLE_NAME_RE.match(name))


# --------------------------------------------------------------------------- where a path lands


class Place(enum.Enum):
    ROOT_OR_HOME = "root-or-home"
    SYSTEM = "system"
    DEVICE = "device"
    PROJECT_WIDE = "project-wide"
    GIT_METADATA = "git-metadata"
    REGENERABLE = "regenerable"
    PROJECT = "project"
    TMP = "tmp"
    OUTSIDE = "outside"
    DYNAMIC = "dynamic"


@record
class Target:
    word: str
    path: str
    place: Place
    label: str
    """How the path is named in a message: project-relative inside the project."""


def _within(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


def _expand_tilde(word: str, home: str) -> str:
    if word == "~" or word.startswith("~/"):
        return home + word[1:]
    if word.startswith("~"):
        user, _, rest = word[1:].partition("/")
        user_home = "/root" if user == "root" else f"/home/{user}"
        return user_home + ("/" + rest if rest else "")
    return word


def resolve(word: str, ctx: Context) -> str:
    """Absolute, normalised path for `word` as the shell would see it from `ctx.cwd`."""
    path = posixpath.normpath(posixpath.join(ctx.cwd, _expand_tilde(word, ctx.home)))
    return "/" + path.lstrip("/")


def expand_braces(word: str, limit: int = 64) -> list[str]:
    """Bash brace expansion for comma lists (`{dist,build}`); `{}` and `{1..3}` stay literal."""
    match = _BRACE_RE.search(word)
    if not match:
        return [word]
    head, tail = word[: match.start()], word[match.end() :]
    words: list[str] = []
    for choice in match.group(1).split(","):
        words.extend(expand_braces(head + choice + tail, limit))
        if len(words) >= limit:
            break
    return words[:limit]


def _place_of_absolute(path: str, ctx: Context) -> tuple[Place, str] | None:
    """The places that do not depend on the project: catastrophic, system, device."""
    parent, last = posixpath.split(path)
    whole_dir = parent if _MATCH_ALL_RE.match(last) else path
    home = ctx.home.rstrip("/") or "/"
    if whole_dir == "/":
        return (
            Place.ROOT_OR_HOME,
            "the whole filesystem /" if path == "/" else f"everything in / ({path})",
        )
    if whole_dir == home:
        label = (
            f"your home directory {home}"
            if path == home
            else f"everything in your home directory ({path})"
        )
        return Place.ROOT_OR_HOME, label
    if _BLOCK_DEVICE_RE.match(path):
        return Place.DEVICE, path
    if whole_dir in SYSTEM_DIRS or _within(home, whole_dir):
        return Place.SYSTEM, path
    return None


def locate(word: str, ctx: Context, *, dynamic: bool = False, remote: bool = False) -> Target:
    """Classify one path word; `remote` means it names a path on another machine."""
    if dynamic:
        return Target(word, word, Place.DYNAMIC, word)
    if remote and not word.startswith(("/", "~")):
        return Target(word, word, Place.OUTSIDE, word)
    path = resolve(word, ctx)
    fixed = _place_of_absolute(path, ctx)
    if fixed:
        return Target(word, path, fixed[0], fixed[1])
    root = ctx.project_root.rstrip("/") or "/"
    if remote:
        return Target(word, path, Place.OUTSIDE, path)
    if _within(path, root):
        return _place_in_project(word, path, root)
    if any(_within(path, tmp) for tmp in ctx.tmp_dirs):
        return Target(word, path, Place.TMP, path)
    return Target(word, path, Place.OUTSIDE, path)


def _place_in_project(word: str, path: str, root: str) -> Target:
    if path == root:
        return Target(word, path, Place.PROJECT_WIDE, f"the whole project {root}")
    relative = path[len(root) :].lstrip("/")
    parts = relative.split("/")
    if ".git" in parts:
        return Target(word, path, Place.GIT_METADATA, relative)
    if any(is_regenerable_name(part) for part in parts):
        return Target(word, path, Place.REGENERABLE, relative)
    if len(parts) == 1 and _GLOB_RE.search(relative):
        return Target(word, path, Place.PROJECT_WIDE, f"{relative} in the project root")
    return Target(word, path, Place.PROJECT, relative)


def _listing(targets: Sequence[Target]) -> str:
    labels = list(dict.fromkeys(t.label for t in targets))
    shown = ", ".join(labels[:_MAX_LISTED])
    more = len(labels) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _static_words(cmd: SimpleCommand, start: int = 1) -> Iterable[tuple[int, str]]:
    return ((i, w) for i, w in enumerate(cmd.argv) if i >= start and cmd.is_static(i))


def _targets(cmd: SimpleCommand, ctx: Context, parsed: ParsedArgs, skip: int = 0) -> list[Target]:
    """Locate the positionals of `parsed` (argv offset 1), brace-expanded, after `skip` of them."""
    found: list[Target] = []
    pairs = list(zip(parsed.positionals, parsed.positional_indexes, strict=True))[skip:]
    for word, index in pairs:
        dynamic = not cmd.is_static(index + 1)
        for each in [word] if dynamic else expand_braces(word):
            found.append(locate(each, ctx, dynamic=dynamic, remote=cmd.remote is not None))
    return found


# --------------------------------------------------------------------------- find expressions


@record
class _Primary:
    name: str
    args: tuple[str, ...] = ()


@record
class _Op:
    kind: str  # "and", "or", "not", "list"
    children: tuple[_Primary | _Op, ...]


_FindNode = _Primary | _Op


class _FindSyntaxError(ValueError):
    pass


_FIND_ONE_ARG = frozenset(
    {
        "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex",
        "-lname", "-ilname", "-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm",
        "-size", "-mtime", "-atime", "-ctime", "-mmin", "-amin", "-cmin", "-used", "-inum",
        "-links", "-samefile", "-fstype", "-context", "-maxdepth", "-mindepth", "-regextype",
        "-printf", "-fprint", "-fprint0", "-fls", "-files0-from", "-anewer", "-cnewer",
    }
)  # fmt: skip
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_NAME_TESTS = frozenset({"-name", "-iname"})
_FIND_PATH_TESTS = frozenset({"-path", "-ipath", "-wholename", "-iwholename"})
_FIND_OUTPUT = frozenset(
    {"-print", "-print0", "-printf", "-fprint", "-fprint0", "-fprintf", "-ls", "-fls"}
)
_FIND_ACTIONS = _FIND_OUTPUT | _FIND_EXEC | {"-delete"}
_FIND_LEADING_OPTIONS = frozenset({"-H", "-L", "-P"})


def _split_find(words: Sequence[str]) -> tuple[list[int], list[str]]:
    """Indexes of find's start points, and its expression, in the words after `find`."""
    i = 0
    while i < len(words):
        word = words[i]
        if word in _FIND_LEADING_OPTIONS or re.fullmatch(r"-O\d*", word):
            i += 1
        elif word == "-D":
            i += 2
        else:
            break
    starts: list[int] = []
    while i < len(words) and not (words[i].startswith("-") or words[i] in {"(", "!", ","}):
        starts.append(i)
        i += 1
    return starts, list(words[i:])


class _FindParser:
    """Recursive descent over find's operators: `,` < `-o` < `-a`/juxtaposition < `!`."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> _FindNode:
        if not self.tokens:
            return _Op("and", ())
        node = self._list()
        if self.pos != len(self.tokens):
            raise _FindSyntaxError(self.tokens[self.pos])
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _list(self) -> _FindNode:
        items = [self._or()]
        while self._peek() == ",":
            self.pos += 1
            items.append(self._or())
        return items[0] if len(items) == 1 else _Op("list", tuple(items))

    def _or(self) -> _FindNode:
        items = [self._and()]
        while self._peek() in {"-o", "-or"}:
            self.pos += 1
            items.append(self._and())
        return items[0] if len(items) == 1 else _Op("or", tuple(items))

    def _and(self) -> _FindNode:
        items = [self._unary()]
        while (token := self._peek()) is not None and token not in {"-o", "-or", ",", ")"}:
            if token in {"-a", "-and"}:
                self.pos += 1
            items.append(self._unary())
        return items[0] if len(items) == 1 else _Op("and", tuple(items))

    def _unary(self) -> _FindNode:
        token = self._peek()
        if token is None:
            raise _FindSyntaxError("expression ends early")
        self.pos += 1
        if token in {"!", "-not"}:
            return _Op("not", (self._unary(),))
        if token == "(":
            inner = self._list()
            if self._peek() != ")":
                raise _FindSyntaxError("unbalanced (")
            self.pos += 1
            return inner
        return self._primary(token)

    def _primary(self, name: str) -> _Primary:
        if name in _FIND_EXEC:
            args: list[str] = []
            while (token := self._peek()) is not None:
                self.pos += 1
                if token == ";" or (token == "+" and args and args[-1] == "{}"):
                    return _Primary(name, tuple(args))
                args.append(token)
            raise _FindSyntaxError(f"{name} without ; or +")
        count = 2 if name == "-fprintf" else 1 if name in _FIND_ONE_ARG else 0
        if name.startswith("-newer"):
            count = 1
        if self.pos + count > len(self.tokens):
            raise _FindSyntaxError(f"{name} needs an argument")
        args_tuple = tuple(self.tokens[self.pos : self.pos + count])
        self.pos += count
        return _Primary(name, args_tuple)


def _only_regenerable(node: _FindNode, project_parts: frozenset[str]) -> bool:
    """True if every file for which `node` is true is regenerable build output."""
    if isinstance(node, _Primary):
        if node.name in _FIND_NAME_TESTS:
            return is_regenerable_name(node.args[0])
        if node.name in _FIND_PATH_TESTS:
            parts = [p for p in node.args[0].split("/") if p not in project_parts]
            return any(is_regenerable_name(part) for part in parts)
        return False
    if node.kind == "and":
        return any(_only_regenerable(c, project_parts) for c in node.children)
    if node.kind == "or":
        return all(_only_regenerable(c, project_parts) for c in node.children)
    if node.kind == "list":
        return _only_regenerable(node.children[-1], project_parts)
    return False


def _acts_unguarded(
    node: _FindNode,
    is_action: Callable[[_Primary], bool],
    project_parts: frozenset[str],
    guarded: bool = False,
) -> bool:
    """True if an action picked by `is_action` can run on a file that is not regenerable."""
    if isinstance(node, _Primary):
        return is_action(node) and not guarded
    if node.kind == "and":
        for child in node.children:
            if _acts_unguarded(child, is_action, project_parts, guarded):
                return True
            guarded = guarded or _only_regenerable(child, project_parts)
        return False
    return any(_acts_unguarded(c, is_action, project_parts, guarded) for c in node.children)


def _walk(node: _FindNode) -> Iterable[_Primary]:
    if isinstance(node, _Primary):
        yield node
    else:
        for child in node.children:
            yield from _walk(child)


def _prints_names(primary: _Primary) -> bool:
    return primary.name in _FIND_OUTPUT


@record
class _FindJudgement:
    decision: Decision
    rule: str
    where: str
    target: str | None = None


def judge_find(
    words: Sequence[str],
    is_action: Callable[[_Primary], bool] | None,
    ctx: Context,
    *,
    is_dynamic: Callable[[int], bool] = lambda _: False,
    remote: bool = False,
) -> _FindJudgement:
    """Would the chosen find action touch anything but tmp files or regenerable output?

    `words` is find's argv without the program; `is_action` picks the actions that
    delete (None: the file names find prints, for `find … | xargs rm`).
    """
    starts, expression = _split_find(words)
    located = [locate(words[i], ctx, dynamic=is_dynamic(i), remote=remote) for i in starts] or [
        locate(".", ctx, remote=remote)
    ]
    where = _listing(located)
    target = located[0].path if located else None
    try:
        tree = _FindParser(expression).parse()
    except _FindSyntaxError:
        return _FindJudgement(Decision.CONFIRM, "fs.find-delete", where, target)
    prims = list(_walk(tree))
    if is_action is None:
        picked: Callable[[_Primary], bool] = _prints_names
        if not any(p.name in _FIND_ACTIONS for p in prims):
            tree = _Op("and", (tree, _Primary("-print")))
    else:
        picked = is_action
        if not any(is_action(p) for p in prims):
            return _FindJudgement(Decision.CONFIRM, "fs.find-delete", where, target)
    places = {t.place for t in located}
    filtered = any(p.name in _FIND_NAME_TESTS | _FIND_PATH_TESTS for p in prims)
    if places & {Place.ROOT_OR_HOME, Place.SYSTEM, Place.DEVICE} and not filtered:
        return _FindJudgement(Decision.DENY, "fs.find-delete-catastrophic", where, target)
    if places <= {Place.TMP, Place.REGENERABLE}:
        return _FindJudgement(Decision.ALLOW, "fs.find-delete", where, target)
    in_project = {Place.PROJECT, Place.PROJECT_WIDE, Place.REGENERABLE, Place.TMP}
    project_parts = frozenset(ctx.project_root.split("/")) - {""}
    if places <= in_project and not _acts_unguarded(tree, picked, project_parts):
        return _FindJudgement(Decision.ALLOW, "fs.find-delete", where, target)
    rule = (
        "fs.find-delete"
        if places <= in_project | {Place.DYNAMIC}
        else ("fs.find-delete-outside-project")
    )
    return _FindJudgement(Decision.CONFIRM, rule, where, target)


def _find_message(action: str, judgement: _FindJudgement, words: Sequence[str]) -> str:
    names = [words[i + 1] for i, w in enumerate(words[:-1]) if w in _FIND_NAME_TESTS]
    matching = f" matching {', '.join(names)}" if names else ""
    if judgement.rule == "fs.find-delete-catastrophic":
        return f"{action} would delete every file under {judgement.where}"
    outside = " outside the project" if judgement.rule.endswith("outside-project") else ""
    return f"{action} would delete files{matching} under {judgement.where}{outside}"


# --------------------------------------------------------------------------- rm and unlink

_RM_MESSAGES: dict[str, str] = {
    "fs.rm-catastrophic": "{verb} would delete {targets}",
    "fs.rm-system-dir": "{verb} would delete the system directory {targets}",
    "fs.rm-block-device": "{verb} would delete the block device node {targets}",
    "fs.rm-project-wide": "{verb} would delete {targets}",
    "fs.rm-git-metadata": "{verb} would delete {targets}, part of the repository's git history",
    "fs.rm-recursive": "{verb} would delete {targets} in the project",
    "fs.rm-force": "{verb} would delete {targets} in the project",
    "fs.rm-outside-project": "{verb} would delete {targets} outside the project",
    "fs.rm-dynamic-target": "{verb} would delete a path known only at run time: {targets}",
}


def _rm_rule(target: Target, recursive: bool, forced: bool) -> tuple[str, Decision] | None:
    match target.place:
        case Place.ROOT_OR_HOME:
            return "fs.rm-catastrophic", Decision.DENY
        case Place.DEVICE:
            return "fs.rm-block-device", Decision.DENY
        case Place.SYSTEM:
            if recursive:
                return "fs.rm-system-dir", Decision.DENY
            return "fs.rm-outside-project", Decision.CONFIRM
        case Place.PROJECT_WIDE:
            return "fs.rm-project-wide", Decision.CONFIRM
        case Place.GIT_METADATA:
            return "fs.rm-git-metadata", Decision.CONFIRM
        case Place.PROJECT if recursive:
            return "fs.rm-recursive", Decision.CONFIRM
        case Place.PROJECT if forced:
            return "fs.rm-force", Decision.CONFIRM
        case Place.OUTSIDE:
            return "fs.rm-outside-project", Decision.CONFIRM
        case Place.DYNAMIC:
            return "fs.rm-dynamic-target", Decision.CONFIRM
    return None


def _find_in_via(cmd: SimpleCommand) -> tuple[str, ...] | None:
    for wrapper in reversed(cmd.via):
        if wrapper and wrapper[0].rsplit("/", 1)[-1] == "find":
            return wrapper
    return None


def _xargs_placeholder(cmd: SimpleCommand) -> str | None:
    """The replace string of an enclosing `xargs -I R` (`-i` means `{}`)."""
    for wrapper in reversed(cmd.via):
        if wrapper and wrapper[0].rsplit("/", 1)[-1] == "xargs":
            parsed = parse(wrapper[1:], {"I", "a", "d", "E", "L", "n", "P", "s", "--arg-file"})
            if parsed.last("I"):
                return parsed.last("I")
            if parsed.has("i", "--replace"):
                return parsed.last("--replace") or "{}"
            return None
    return None


def _piped_find(cmd: SimpleCommand) -> list[str] | None:
    """find's argv when the names arrive from a lone, static `find …` piped into xargs."""
    if cmd.stdin.kind != "pipe" or not cmd.stdin.source:
        return None
    try:
        lexer = shlex.shlex(cmd.stdin.source, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return None
    if not words or words[0].rsplit("/", 1)[-1] != "find":
        return None
    if any(set(w) <= set("|&;<>()") or "$" in w or "`" in w for w in words[1:]):
        return None
    return words


def _run_time_names_finding(
    cmd: SimpleCommand, ctx: Context, verb: str, find_words: Sequence[str] | None, piped: bool
) -> Finding | None:
    """Judge the names find (or xargs) hands to `rm` at run time."""
    if find_words is None:
        return finding(
            "fs.rm-unknown-targets",
            cmd,
            f"{verb} would delete paths that are supplied only at run time",
        )
    program = cmd.program

    def runs_this_command(primary: _Primary) -> bool:
        return (
            primary.name in _FIND_EXEC
            and bool(primary.args)
            and (primary.args[0].rsplit("/", 1)[-1] == program)
        )

    judgement = judge_find(
        find_words[1:],
        None if piped else runs_this_command,
        ctx,
        is_dynamic=lambda i: "$" in find_words[i + 1] or "`" in find_words[i + 1],
        remote=cmd.remote is not None,
    )
    if judgement.decision is Decision.ALLOW:
        return None
    action = f"find | xargs {verb}" if piped else f"find -exec {verb}"
    return finding(
        judgement.rule,
        cmd,
        _find_message(action, judgement, find_words[1:]),
        judgement.decision,
        target=judgement.target,
    )


def _classify_rm(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    parsed = parse(cmd.args)
    recursive = parsed.has("r", "R", "--recursive")
    forced = parsed.has("f", "--force")
    flags = ("r" if recursive else "") + ("f" if forced else "")
    verb = f"{cmd.program} -{flags}" if flags else cmd.program
    if parsed.has("--no-preserve-root"):
        return [
            finding(
                "fs.rm-no-preserve-root",
                cmd,
                f"{verb} --no-preserve-root would allow deleting the whole filesystem",
                Decision.DENY,
                target="/",
            )
        ]
    find_words = _find_in_via(cmd)
    placeholder = "{}" if find_words else _xargs_placeholder(cmd)
    piped = find_words is None and cmd.extra_args_unknown
    if piped:
        piped_words = _piped_find(cmd)
        find_words = tuple(piped_words) if piped_words else None
    run_time = piped
    static_targets: list[Target] = []
    for target in _targets(cmd, ctx, parsed):
        if placeholder is not None and target.word == placeholder:
            run_time = True
        else:
            static_targets.append(target)
    findings = _group_rm_findings(cmd, static_targets, verb, recursive, forced)
    if run_time:
        extra = _run_time_names_finding(cmd, ctx, verb, find_words, piped)
        if extra:
            findings.append(extra)
    return findings


def _group_rm_findings(
    cmd: SimpleCommand, targets: Sequence[Target], verb: str, recursive: bool, forced: bool
) -> list[Finding]:
    grouped: dict[tuple[str, Decision], list[Target]] = {}
    for target in targets:
        rule = _rm_rule(target, recursive, forced)
        if rule:
            grouped.setdefault(rule, []).append(target)
    return [
        finding(
            rule,
            cmd,
            _RM_MESSAGES[rule].format(verb=verb, targets=_listing(hits)),
            decision,
            target=hits[0].path,
        )
        for (rule, decision), hits in grouped.items()
    ]


def _classify_find(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """`find … -delete`; `-exec rm` is unwrapped by the engine and judged as `rm`."""
    words = cmd.args
    if "-delete" not in words:
        return []
    judgement = judge_find(
        words,
        lambda p: p.name == "-delete",
        ctx,
        is_dynamic=lambda i: not cmd.is_static(i + 1),
        remote=cmd.remote is not None,
    )
    if judgement.decision is Decision.ALLOW:
        return []
    message = _find_message("find -delete", judgement, words)
    return [finding(judgement.rule, cmd, message, judgement.decision, target=judgement.target)]


# --------------------------------------------------------------------------- overwriting files


def _overwrite_findings(
    cmd: SimpleCommand, targets: Sequence[Target], rule: str, what: str
) -> list[Finding]:
    """Shared by shred, truncate, dd, cp /dev/null: tmp and build output are fine."""
    findings: list[Finding] = []
    for target in targets:
        if target.place in {Place.TMP, Place.REGENERABLE} or target.path in _HARMLESS_SINKS:
            continue
        if target.place is Place.DEVICE:
            message = f"{cmd.program} would {what} the block device {target.path}"
            findings.append(
                finding(f"{rule}-block-device", cmd, message, Decision.DENY, target=target.path)
            )
            continue
        where = " (known only at run time)" if target.place is Place.DYNAMIC else ""
        message = f"{cmd.program} would {what} {target.label}{where}"
        findings.append(finding(rule, cmd, message, target=target.path))
    return findings


_SHRED_VALUE_OPTIONS = {"n", "s", "--iterations", "--size", "--random-source", "l", "Q"}


def _classify_shred(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    parsed = parse(cmd.args, _SHRED_VALUE_OPTIONS)
    targets = _targets(cmd, ctx, parsed)
    return _overwrite_findings(cmd, targets, "fs.shred", "irrecoverably wipe")


def _classify_truncate(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    parsed = parse(cmd.args, {"s", "r", "--size", "--reference"})
    return _overwrite_findings(cmd, _targets(cmd, ctx, parsed), "fs.truncate", "cut the size of")


def _classify_dd(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    for index, word in enumerate(cmd.argv[1:], start=1):
        if word.startswith("of="):
            target = locate(
                word[3:], ctx, dynamic=not cmd.is_static(index), remote=cmd.remote is not None
            )
            return _overwrite_findings(cmd, [target], "fs.dd-overwrite", "overwrite")
    return []


def _classify_cp(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Only `cp /dev/null FILE`, the copy that empties a file."""
    parsed = parse(cmd.args, {"t", "S", "--target-directory", "--suffix"})
    if len(parsed.positionals) != 2 or parsed.positionals[0] != "/dev/null":
        return []
    destination = _targets(cmd, ctx, parsed, skip=1)
    return _overwrite_findings(cmd, destination, "fs.cp-truncate", "empty")


# --------------------------------------------------------------------------- mv

_MV_VALUE_OPTIONS = {"t", "S", "--target-directory", "--suffix"}
_MV_DENY = {Place.ROOT_OR_HOME, Place.SYSTEM, Place.DEVICE}
_MV_LEAVES_PROJECT = {Place.PROJECT, Place.PROJECT_WIDE, Place.GIT_METADATA}


def _classify_mv(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    parsed = parse(cmd.args, _MV_VALUE_OPTIONS)
    located = _targets(cmd, ctx, parsed)
    directory = parsed.last("t", "--target-directory")
    if directory is not None:
        sources = located
        dynamic = any(directory in word and not cmd.is_static(i) for i, word in enumerate(cmd.argv))
        destination = locate(directory, ctx, dynamic=dynamic, remote=cmd.remote is not None)
    elif len(located) >= 2:
        sources, destination = located[:-1], located[-1]
    else:
        return []
    findings: list[Finding] = []
    for source in sources:
        if source.place in _MV_DENY:
            message = f"mv would move {source.label} away, breaking the system"
            findings.append(
                finding("fs.mv-system", cmd, message, Decision.DENY, target=source.path)
            )
        elif source.place in {Place.OUTSIDE, Place.DYNAMIC, Place.GIT_METADATA}:
            findings.append(_mv_finding(cmd, source, "from"))
    if destination.place in _MV_DENY | {Place.OUTSIDE, Place.DYNAMIC, Place.GIT_METADATA}:
        findings.append(_mv_finding(cmd, destination, "onto"))
    elif destination.place is Place.TMP and any(s.place in _MV_LEAVES_PROJECT for s in sources):
        moved = _listing([s for s in sources if s.place in _MV_LEAVES_PROJECT])
        message = (
            f"mv would move {moved} out of the project into {destination.path}, "
            "which is discarded after this run"
        )
        findings.append(finding("fs.mv-out-of-project", cmd, message, target=destination.path))
    return findings


def _mv_finding(cmd: SimpleCommand, target: Target, direction: str) -> Finding:
    if target.place is Place.DYNAMIC:
        message = f"mv would move files {direction} a path known only at run time: {target.word}"
        return finding("fs.mv-dynamic", cmd, message)
    if target.place is Place.GIT_METADATA:
        message = f"mv would move files {direction} {target.label} in the repository's .git"
        return finding("fs.mv-git-metadata", cmd, message, target=target.path)
    message = f"mv would move files {direction} {target.label} outside the project"
    return finding("fs.mv-outside-project", cmd, message, target=target.path)


# --------------------------------------------------------------------------- chmod, chown, chgrp

_CHMOD_OPTION_LETTERS = frozenset("cfvR")


def _split_chmod(args: Sequence[str]) -> ParsedArgs:
    """chmod modes may start with `-` (`chmod -x f`): only `-[cfvR]+` are options."""
    options: list[tuple[str, str | None]] = []
    positionals: list[str] = []
    indexes: list[int] = []
    only_positionals = False
    for index, arg in enumerate(args):
        if not only_positionals and arg == "--":
            only_positionals = True
        elif not only_positionals and arg.startswith("--"):
            name, eq, value = arg.partition("=")
            options.append((name, value if eq else None))
        elif not only_positionals and len(arg) > 1 and set(arg[1:]) <= _CHMOD_OPTION_LETTERS:
            options.extend((letter, None) for letter in arg[1:])
        else:
            positionals.append(arg)
            indexes.append(index)
    return ParsedArgs(tuple(options), tuple(positionals), tuple(indexes))


def _classify_permissions(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    if cmd.program == "chmod":
        parsed = _split_chmod(cmd.args)
    else:
        parsed = parse(cmd.args, {"--reference", "--from"})
    recursive = parsed.has("R", "--recursive")
    skip = 0 if parsed.has("--reference") else 1
    verb = f"{cmd.program} -R" if recursive else cmd.program
    if any(not cmd.is_static(i) for i in range(1, len(cmd.argv))):
        message = f"{verb} would change permissions using values known only at run time"
        return [finding("fs.chmod-dynamic", cmd, message)]
    findings: list[Finding] = []
    for target in _targets(cmd, ctx, parsed, skip=skip):
        critical = target.place in {Place.ROOT_OR_HOME, Place.SYSTEM, Place.DEVICE}
        if critical:
            decision = Decision.DENY if recursive else Decision.CONFIRM
            message = f"{verb} would change ownership or permissions of {target.label}"
            findings.append(finding("fs.chmod-system", cmd, message, decision, target=target.path))
        elif recursive and target.place is Place.OUTSIDE:
            message = f"{verb} would change everything under {target.label}, outside the project"
            findings.append(finding("fs.chmod-outside-project", cmd, message, target=target.path))
    return findings


# --------------------------------------------------------------------------- disks


@record
class _DiskTool:
    value_options: frozenset[str] = frozenset()
    read_only_options: frozenset[str] = frozenset()
    """Options that make the whole run read-only (`fdisk -l`)."""
    writes_only_with: frozenset[str] = frozenset()
    """If set, the tool only writes with one of these options (`wipefs -a`)."""
    always_deny: bool = False


_FORMAT = _DiskTool(
    frozenset("tLblNOEUImTGgiJMrCde"), read_only_options=frozenset({"V", "--version", "--help"})
)
_DISK_TOOLS: dict[str, _DiskTool] = {
    **dict.fromkeys(
        [
            "mkfs", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "mkexfatfs",
            *(f"mkfs.{fs}" for fs in (
                "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "fat", "msdos", "exfat",
                "ntfs", "f2fs", "minix", "bfs", "cramfs", "jfs", "reiserfs", "nilfs2", "udf",
            )),
        ],
        _FORMAT,
    ),
    "wipefs": _DiskTool(
        frozenset({"o", "--offset", "t", "--types"}),
        read_only_options=frozenset({"n", "--no-act"}),
        writes_only_with=frozenset({"a", "--all", "o", "--offset"}),
    ),
    "fdisk": _DiskTool(
        frozenset({"b", "c", "u", "L", "w", "W", "C", "H", "S", "--sector-size"}),
        read_only_options=frozenset({"l", "--list", "x", "--list-details", "s"}),
    ),
    "sfdisk": _DiskTool(
        frozenset({"N", "--partno", "o", "--backup-file"}),
        read_only_options=frozenset({
            "l", "--list", "d", "--dump", "J", "--json", "s", "--show-size", "g",
            "--show-geometry", "V", "--verify", "F", "--list-free", "T", "--list-types",
            "n", "--no-act",
        }),
    ),
    "gdisk": _DiskTool(read_only_options=frozenset({"l"})),
    "sgdisk": _DiskTool(
        frozenset({"i", "--info"}),
        read_only_options=frozenset({"P", "--pretend"}),
    ),
    "parted": _DiskTool(frozenset({"a", "--align"}), read_only_options=frozenset({"l", "--list"})),
    "cfdisk": _DiskTool(),
    "blkdiscard": _DiskTool(always_deny=True),
}  # fmt: skip
_SGDISK_READ = frozenset({"p", "--print", "i", "--info", "v", "--verify", "O", "--print-mbr",
                          "L", "--list-types"})  # fmt: skip
_PARTED_READ_WORDS = frozenset({"print", "p", "free", "all", "list", "unit", "help", "version",
                                "s", "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib",
                                "%", "cyl", "chs", "compact"})  # fmt: skip


def _disk_tool_reads_only(program: str, tool: _DiskTool, parsed: ParsedArgs) -> bool:
    if parsed.has(*tool.read_only_options, "h", "--help", "--version"):
        return True
    if tool.writes_only_with and not parsed.has(*tool.writes_only_with):
        return True
    if program == "sgdisk":
        return bool(parsed.options) and all(name in _SGDISK_READ for name, _ in parsed.options)
    if program == "parted":
        script = [w.lower() for w in parsed.positionals[1:]]
        return bool(script) and all(w in _PARTED_READ_WORDS for w in script)
    return False


def _classify_disk_tool(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    tool = _DISK_TOOLS[cmd.program]
    parsed = parse(cmd.args, tool.value_options)
    if not tool.always_deny and _disk_tool_reads_only(cmd.program, tool, parsed):
        return []
    devices = [w for _, w in _static_words(cmd) if _BLOCK_DEVICE_RE.match(resolve(w, ctx))]
    if devices or tool.always_deny:
        device = devices[0] if devices else "a block device"
        message = f"{cmd.program} would destroy the data on the block device {device}"
        return [finding("fs.disk-format", cmd, message, Decision.DENY, target=device)]
    operand = parsed.positionals[0] if parsed.positionals else "its target"
    message = f"{cmd.program} would format or repartition {operand}, destroying its content"
    return [finding("fs.disk-format-file", cmd, message, target=operand)]


# --------------------------------------------------------------------------- rsync

_RSYNC_DELETE_OPTIONS = frozenset(
    {"--delete", "--del", "--delete-before", "--delete-during", "--delete-delay",
     "--delete-after", "--delete-excluded", "--delete-missing-args"}
)  # fmt: skip
_RSYNC_VALUE_OPTIONS = frozenset(
    {"e", "f", "B", "M", "T", "--rsh", "--rsync-path", "--exclude", "--include",
     "--exclude-from", "--include-from", "--filter", "--files-from", "--log-file",
     "--temp-dir", "--backup-dir", "--suffix", "--chmod", "--chown", "--compare-dest",
     "--copy-dest", "--link-dest", "--partial-dir", "--timeout", "--contimeout", "--port",
     "--bwlimit", "--max-size", "--min-size", "--max-delete", "--block-size",
     "--password-file", "--out-format", "--info", "--debug", "--modify-window",
     "--remote-option", "--usermap", "--groupmap", "--iconv", "--sockopts", "--protocol"}
)  # fmt: skip
_RSYNC_REMOTE_RE = lazyre.compile(r"^(?:rsync://|[^/]*::|[^/:]+:)")


def _classify_rsync(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    parsed = parse(cmd.args, _RSYNC_VALUE_OPTIONS)
    if parsed.has("n", "--dry-run") or len(parsed.positionals) < 2:
        return []
    findings: list[Finding] = []
    if parsed.has(*_RSYNC_DELETE_OPTIONS):
        findings += _rsync_side(cmd, ctx, parsed, -1, "delete files in", "fs.rsync-delete")
    if parsed.has("--remove-source-files"):
        for i in range(len(parsed.positionals) - 1):
            findings += _rsync_side(cmd, ctx, parsed, i, "remove the copied files from",
                                    "fs.rsync-remove-source")  # fmt: skip
    return findings


def _rsync_side(
    cmd: SimpleCommand, ctx: Context, parsed: ParsedArgs, which: int, what: str, rule: str
) -> list[Finding]:
    word = parsed.positionals[which]
    index = parsed.positional_indexes[which] + 1
    if _RSYNC_REMOTE_RE.match(word) and cmd.is_static(index):
        return [finding(rule, cmd, f"rsync would {what} {word}", target=word)]
    target = locate(word, ctx, dynamic=not cmd.is_static(index), remote=cmd.remote is not None)
    if target.place in {Place.TMP, Place.REGENERABLE}:
        return []
    decision = Decision.DENY if target.place is Place.ROOT_OR_HOME else Decision.CONFIRM
    return [finding(rule, cmd, f"rsync would {what} {target.label}", decision, target.path)]


# --------------------------------------------------------------------------- dispatch

_Classifier = Callable[[SimpleCommand, Context], list[Finding]]

_CLASSIFIERS: dict[str, _Classifier] = {
    "rm": _classify_rm,
    "unlink": _classify_rm,
    "find": _classify_find,
    "shred": _classify_shred,
    "srm": _classify_shred,
    "wipe": _classify_shred,
    "truncate": _classify_truncate,
    "dd": _classify_dd,
    "cp": _classify_cp,
    "mv": _classify_mv,
    "chmod": _classify_permissions,
    "chown": _classify_permissions,
    "chgrp": _classify_permissions,
    "rsync": _classify_rsync,
    **dict.fromkeys(_DISK_TOOLS, _classify_disk_tool),
}

PROGRAMS: frozenset[str] = frozenset(_CLASSIFIERS)


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Findings for one file-system command; none for ordinary edits and build cleanup."""
    classifier = _CLASSIFIERS.get(cmd.program)
    return classifier(cmd, ctx) if classifier else []
