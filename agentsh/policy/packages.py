"""Package managers and release tools: publishing and other registry writes.

Installing, building, testing and running project scripts is everyday work and
stays allowed (`npm run X` runs a project script that may do anything; the
nested guard judges what such scripts start). What is held is anything that
writes to a public or shared registry: publishing a version, unpublishing or
yanking one, and changing a package's tags, owners, access, deprecation or the
account's tokens. A `--dry-run` stays allowed.

`docker push` and `helm push` are judged with the infrastructure tools.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from agentsh.policy import lazyre
from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.records import field, record

_PUBLISH = "publish"
_UNPUBLISH = "unpublish"
_REGISTRY_WRITE = "registry-write"


@record
class _Write:
    """A verb that writes to a registry.

    `action` may use {what} (the first argument, or "this package"), {args}
    (all arguments), {detail} (all arguments in parentheses, or nothing) and
    {registry}. With
    `read_subverbs` the verb is a group (`npm dist-tag`): it only writes when
    followed by a subverb outside that set.
    """

    rule: str
    action: str
    read_subverbs: frozenset[str] | None = None


@record
class _Tool:
    """A CLI whose first positional is the verb (`npm publish`, `twine upload`)."""

    writes: dict[str, _Write]
    registry: str
    """How the default registry is named in messages."""
    registry_options: tuple[str, ...] = ()
    with_value: frozenset[str] = frozenset()
    dry_run_options: tuple[str, ...] = ("--dry-run",)
    resolve_verb: Callable[[str], str] = field(default=lambda verb: verb)
    single_dash_long_options: bool = False
    """nuget.exe style: `-Source URL` is one option, not the letters S, o, u, r, c, e."""


def _publish(registry_word: str = "{registry}") -> _Write:
    return _Write(_PUBLISH, f"publish {{what}} to {registry_word}")


def _group(action: str, *reads: str) -> _Write:
    return _Write(_REGISTRY_WRITE, action, frozenset(reads))


# ------------------------------------------------------------------- npm and pnpm

_NPM_COMMANDS = (
    "access", "adduser", "audit", "bugs", "cache", "ci", "completion", "config", "dedupe",
    "deprecate", "diff", "dist-tag", "docs", "doctor", "edit", "exec", "explain",
    "explore", "find-dupes", "fund", "get", "help", "help-search", "hook", "init",
    "install", "install-ci-test", "install-test", "link", "ll", "login", "logout", "ls",
    "org", "outdated", "owner", "pack", "ping", "pkg", "prefix", "profile", "prune",
    "publish", "query", "rebuild", "repo", "restart", "root", "run", "sbom", "search",
    "set", "shrinkwrap", "star", "stars", "start", "stop", "team", "test", "token",
    "trust", "undeprecate", "uninstall", "unpublish", "unstar", "update", "version",
    "view", "whoami",
)  # fmt: skip
_NPM_ALIASES = {
    "author": "owner", "home": "docs", "issues": "bugs", "info": "view", "show": "view",
    "find": "search", "add": "install", "unlink": "uninstall", "remove": "uninstall",
    "rm": "uninstall", "r": "uninstall", "un": "uninstall", "rb": "rebuild", "list": "ls",
    "ln": "link", "create": "init", "i": "install", "it": "install-test",
    "cit": "install-ci-test", "up": "update", "c": "config", "s": "search", "se": "search",
    "tst": "test", "t": "test", "ddp": "dedupe", "v": "view", "run-script": "run",
    "clean-install": "ci", "clean-install-test": "install-ci-test", "x": "exec",
    "why": "explain", "la": "ll", "verison": "version", "ic": "ci", "innit": "init",
    "in": "install", "ins": "install", "inst": "install", "insta": "install",
    "instal": "install", "isnt": "install", "isnta": "install", "isntal": "install",
    "isntall": "install", "install-clean": "ci", "isntall-clean": "ci", "hlep": "help",
    "dist-tags": "dist-tag", "upgrade": "update", "udpate": "update", "rum": "run",
    "sit": "install-ci-test", "urn": "run", "ogr": "org", "add-user": "adduser",
}  # fmt: skip
"""npm's own command list and aliases (lib/utils/cmd-list.js)."""


_NPM_WORDS = tuple(sorted({*_NPM_COMMANDS, *_NPM_ALIASES}))


def _unique_expansion(prefix: str) -> str:
    """The one npm command or alias `prefix` abbreviates (npm's `abbrev`), else `prefix`."""
    matches = [word for word in _NPM_WORDS if word.startswith(prefix)]
    if prefix in matches:
        return prefix
    return matches[0] if len(matches) == 1 else prefix


_CAMEL_HUMP = lazyre.compile(r"[A-Z]")


def _npm_verb(word: str) -> str:
    """What npm runs for `word`: camelCase, exact names, aliases, then unique abbreviations."""
    word = _CAMEL_HUMP.sub(lambda m: "-" + m.group().lower(), word)
    if word in _NPM_COMMANDS:
        return word
    if word in _NPM_ALIASES:
        return _NPM_ALIASES[word]
    resolved = _unique_expansion(word)
    while resolved in _NPM_ALIASES:
        resolved = _NPM_ALIASES[resolved]
    return resolved


_NPM_WRITES = {
    "publish": _publish(),
    "unpublish": _Write(_UNPUBLISH, "remove {what} from {registry}"),
    "deprecate": _Write(_REGISTRY_WRITE, "mark {what} as deprecated on {registry}"),
    "undeprecate": _Write(_REGISTRY_WRITE, "clear the deprecation of {what} on {registry}"),
    "dist-tag": _group("move dist-tags on {registry}{detail}", "ls", "list"),
    "owner": _group("change package owners on {registry}{detail}", "ls", "list"),
    "access": _group(
        "change package access on {registry}{detail}",
        "list", "ls", "get", "ls-packages", "ls-collaborators",
    ),
    "token": _group("change the access tokens of your account on {registry}", "list", "ls"),
    "team": _group("change teams on {registry}{detail}", "ls", "list"),
    "org": _group("change organization members on {registry}{detail}", "ls", "list"),
    "profile": _group("change your account settings on {registry}", "get"),
    "hook": _group("change registry hooks on {registry}{detail}", "ls", "list"),
    "trust": _group("change who may publish to {registry}{detail}", "list", "ls"),
}  # fmt: skip
_NPM_WITH_VALUE = frozenset(
    {
        "--registry", "w", "--workspace", "--prefix", "--userconfig", "--globalconfig",
        "--cache", "--loglevel", "--tag", "--access", "--otp", "--scope", "--auth-type",
        "--include", "--omit", "--before", "--provenance-file", "--script-shell",
        # pnpm.
        "F", "--filter", "C", "--dir", "--reporter", "--publish-branch",
        "--workspace-concurrency", "--store-dir", "--virtual-store-dir", "--config",
    }
)  # fmt: skip
_NPM_REGISTRY = ("--registry",)

_PYPI = ("r", "--repository", "--repository-url", "--publish-url", "--index", "--repo")
_PYTHON_WITH_VALUE = frozenset(
    {
        *_PYPI, "u", "--username", "p", "--password", "c", "--comment", "--sign-with",
        "i", "--identity", "--config-file", "--cert", "--client-cert", "--token", "t",
        "--trusted-publishing", "--keyring-provider", "--check-url", "--pypirc",
        "--ca-cert", "a", "--auth", "--user",
    }
)  # fmt: skip

_TOOLS: dict[str, _Tool] = {
    "npm": _Tool(
        _NPM_WRITES, "the npm registry", _NPM_REGISTRY, _NPM_WITH_VALUE, resolve_verb=_npm_verb
    ),
    "pnpm": _Tool(_NPM_WRITES, "the npm registry", _NPM_REGISTRY, _NPM_WITH_VALUE),
    "bun": _Tool({"publish": _publish()}, "the npm registry", _NPM_REGISTRY, _NPM_WITH_VALUE),
    "lerna": _Tool({"publish": _publish()}, "the npm registry", _NPM_REGISTRY, _NPM_WITH_VALUE),
    "changeset": _Tool({"publish": _publish()}, "the npm registry", (), _NPM_WITH_VALUE),
    "jsr": _Tool({"publish": _publish()}, "jsr.io"),
    "vsce": _Tool(
        {"publish": _publish(), "unpublish": _Write(_UNPUBLISH, "remove {what} from {registry}")},
        "the VS Code Marketplace",
        with_value=frozenset({"p", "--pat", "i", "--packagePath", "t", "--target"}),
    ),
    "ovsx": _Tool(
        {"publish": _publish()}, "Open VSX", ("r", "--registryUrl"),
        frozenset({"p", "--pat", "r", "--registryUrl"}),
    ),
    "twine": _Tool(
        {
            "upload": _publish(),
            "register": _Write(_REGISTRY_WRITE, "register {what} on {registry}"),
        },
        "PyPI", _PYPI, _PYTHON_WITH_VALUE,
    ),
    "poetry": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "uv": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "flit": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "hatch": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "pdm": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "rye": _Tool({"publish": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE),
    "maturin": _Tool(
        {"publish": _publish(), "upload": _publish()}, "PyPI", _PYPI, _PYTHON_WITH_VALUE
    ),
    "anaconda": _Tool(
        {"upload": _publish()}, "anaconda.org", ("s", "--site"),
        frozenset({"t", "--token", "s", "--site", "u", "--user", "l", "--label"}),
    ),
    "nuget": _Tool(
        {"push": _publish(), "delete": _Write(_UNPUBLISH, "delete {args} from {registry}")},
        "the configured NuGet feed", ("--Source", "--source"),
        frozenset({"--Source", "--source", "--ApiKey", "--apikey", "--ConfigFile", "--configfile"}),
        single_dash_long_options=True,
    ),
}  # fmt: skip
"""Tools whose verb is their first positional; special cases follow below."""


def _confirm(
    rule: str, cmd: SimpleCommand, message: str, target: str | None = None
) -> list[Finding]:
    return [finding(f"packages.{rule}", cmd, message, target=target)]


def _runtime_verb(cmd: SimpleCommand, tool: str) -> list[Finding]:
    return _confirm("dynamic-verb", cmd, f"{tool} would run a subcommand only known at run time")


def _verb_position(
    cmd: SimpleCommand, parsed: ParsedArgs, offset: int = 1
) -> tuple[int | None, list[Finding]]:
    """Index of the verb in `parsed`'s words, or the findings when there is none.

    No verb is harmless (help), unless xargs appends the arguments at run time;
    a verb only known at run time is held. `offset` is the argv index of the
    first parsed word.
    """
    if not parsed.positional_indexes:
        if cmd.extra_args_unknown:
            return None, _runtime_verb(cmd, cmd.program)
        return None, []
    index = parsed.positional_indexes[0]
    if not cmd.is_static(offset + index):
        return None, _runtime_verb(cmd, cmd.program)
    return index, []


def _classify_tool(
    cmd: SimpleCommand, tool: _Tool, label: str, words: tuple[str, ...], offset: int
) -> list[Finding]:
    parsed = parse(words, tool.with_value, long_prefix_single_dash=tool.single_dash_long_options)
    index, found = _verb_position(cmd, parsed, offset)
    if index is None:
        return found
    verb = tool.resolve_verb(words[index])
    write = tool.writes.get(verb)
    if write is None or parsed.has(*tool.dry_run_options, "h", "--help", "--h"):
        return []
    rest = parsed.positionals[1:]
    name = f"{label} {verb}"
    if write.read_subverbs is not None:
        if not rest or rest[0] in write.read_subverbs:
            return []
        name, rest = f"{name} {rest[0]}", rest[1:]
    registry = parsed.last(*tool.registry_options) or tool.registry
    action = write.action.format(
        what=rest[0] if rest else "this package",
        args=" ".join(rest) or "this package",
        detail=f" ({' '.join(rest)})" if rest else "",
        registry=registry,
    )
    return _confirm(write.rule, cmd, f"{name} would {action}", rest[0] if rest else registry)


# ----------------------------------------------------------------- special cases


_YARN_REGISTRY_WORDS = frozenset({"npm", "publish", "tag", "owner"})


def _yarn_command(words: tuple[str, ...]) -> tuple[str, ...]:
    """The yarn command a line runs, past `workspace NAME` and `workspaces foreach ...`."""
    if words[:1] == ("workspace",):
        return _yarn_command(words[2:])
    if words[:2] == ("workspaces", "foreach"):
        # foreach's own option values may come first; its command starts at a yarn verb.
        rest = words[2:]
        starts = [i for i, word in enumerate(rest) if word in _YARN_REGISTRY_WORDS]
        return _yarn_command(rest[starts[0] :]) if starts else rest
    return words


def _yarn(cmd: SimpleCommand) -> list[Finding]:
    """Yarn 1: `yarn publish|tag|owner`; Yarn 2+: `yarn npm publish|tag`.

    Any other `yarn NAME` runs a project script, which stays allowed.
    """
    foreach_values = {"--include", "--exclude", "--from", "j", "--jobs", "--since"}
    parsed = parse(cmd.args, _NPM_WITH_VALUE | foreach_values)
    index, found = _verb_position(cmd, parsed)
    if index is None or parsed.has("--dry-run", "h", "--help"):
        return found
    command = _yarn_command(parsed.positionals)
    if command[:1] == ("npm",):
        command = command[1:]
        label = "yarn npm"
    else:
        label = "yarn"
    registry = parsed.last("--registry") or "the npm registry"
    verb, sub = (*command, "", "")[:2]
    args = command[2:]
    if verb == "publish":
        return _confirm(
            _PUBLISH, cmd, f"{label} publish would publish this package to {registry}", registry
        )
    if verb in ("tag", "owner") and sub in ("add", "remove", "rm"):
        detail = f" ({' '.join(args)})" if args else ""
        return _confirm(
            _REGISTRY_WRITE,
            cmd,
            f"{label} {verb} {sub} would change package {verb}s on {registry}{detail}",
            args[0] if args else registry,
        )
    return []


_CARGO_WITH_VALUE = frozenset(
    {
        "C", "--config", "Z", "--color", "--manifest-path", "--registry", "--index",
        "--token", "p", "--package", "--target", "F", "--features", "j", "--jobs",
        "--target-dir", "--profile", "--vers", "--version", "a", "--add", "r", "--remove",
        "--lockfile-path", "--exclude",
    }
)  # fmt: skip


def _cargo(cmd: SimpleCommand) -> list[Finding]:
    words = tuple(w for w in cmd.args if not w.startswith("+"))
    offset = 1 + len(cmd.args) - len(words)
    parsed = parse(words, _CARGO_WITH_VALUE)
    index, found = _verb_position(cmd, parsed, offset)
    if index is None or parsed.has("h", "--help"):
        return found
    verb, rest = words[index], parsed.positionals[1:]
    registry = parsed.last("--registry", "--index") or "crates.io"
    crate = parsed.last("p", "--package") or (rest[0] if rest else None)
    named = f"crate {crate}" if crate else "this crate"
    if verb == "publish" and not parsed.has("n", "--dry-run"):
        return _confirm(
            _PUBLISH, cmd, f"cargo publish would publish {named} to {registry}", crate or registry
        )
    if verb == "yank":
        version = parsed.last("--vers", "--version")
        what = f"{named} {version}" if version else named
        undo = "un-yank" if parsed.has("--undo") else "yank"
        return _confirm(
            _UNPUBLISH, cmd, f"cargo yank would {undo} {what} on {registry}", crate or registry
        )
    if verb == "owner" and parsed.has("a", "--add", "r", "--remove"):
        people = _join(parsed.values("a", "--add", "r", "--remove"))
        return _confirm(
            _REGISTRY_WRITE,
            cmd,
            f"cargo owner would change the owners of {named} on {registry} ({people})",
            crate or registry,
        )
    if verb == "release" and parsed.has("x", "--execute"):
        package = parsed.last("p", "--package")
        what = f"crate {package}" if package else "this workspace's crates"
        return _confirm(
            _PUBLISH,
            cmd,
            f"cargo release would tag, push and publish {what} to {registry}",
            package or registry,
        )
    return []


def _gem(cmd: SimpleCommand) -> list[Finding]:
    parsed = parse(
        cmd.args,
        {
            "--host",
            "k",
            "--key",
            "v",
            "--version",
            "a",
            "--add",
            "r",
            "--remove",
            "--otp",
            "p",
            "--platform",
        },
    )
    index, found = _verb_position(cmd, parsed)
    if index is None or parsed.has("h", "--help"):
        return found
    verb, rest = cmd.args[index], parsed.positionals[1:]
    host = parsed.last("--host") or "rubygems.org"
    gem = rest[0] if rest else "this gem"
    if verb == "push":
        return _confirm(_PUBLISH, cmd, f"gem push would publish {gem} to {host}", host)
    if verb == "yank":
        version = parsed.last("v", "--version")
        what = f"{gem} {version}" if version else gem
        return _confirm(_UNPUBLISH, cmd, f"gem yank would remove {what} from {host}", gem)
    if verb == "owner" and parsed.has("a", "--add", "r", "--remove"):
        return _confirm(
            _REGISTRY_WRITE, cmd, f"gem owner would change the owners of {gem} on {host}", gem
        )
    return []


_ARTIFACTS = "this project's artifacts to a remote repository, registry or server"
_MAVEN_WITH_VALUE = frozenset(
    {
        "--f", "--file", "--s", "--settings", "--gs", "--global-settings", "--t",
        "--toolchains", "--gt", "--global-toolchains", "--T", "--threads", "--pl",
        "--projects", "--rf", "--resume-from", "--l", "--log-file", "--b", "--builder",
        "--P", "--activate-profiles", "--D", "--define", "--emp", "--encrypt-master-password",
        "--ep", "--encrypt-password",
    }
)  # fmt: skip
_MAVEN_UPLOADING_GOALS = frozenset(
    {"deploy", "deploy-file", "deploy-staged", "redeploy", "undeploy", "deploy-only"}
)
"""Goal names (the part after the last `:`) that upload: the `deploy` phase,
`deploy:deploy-file`, `nexus-staging:deploy`, `site:deploy`, `tomcat7:redeploy` …"""
_MAVEN_UPLOADING_PLUGIN_GOALS = (
    "release:perform", "jib:build", "central-publishing:publish", "nexus-staging:release",
)  # fmt: skip


def _is_maven_upload(goal: str) -> bool:
    return goal.rsplit(":", 1)[-1] in _MAVEN_UPLOADING_GOALS or goal.endswith(
        _MAVEN_UPLOADING_PLUGIN_GOALS
    )


def _maven(cmd: SimpleCommand) -> list[Finding]:
    parsed = parse(cmd.args, _MAVEN_WITH_VALUE, long_prefix_single_dash=True)
    if parsed.has("--h", "--help"):
        return []
    goals = [goal for goal in parsed.positionals if _is_maven_upload(goal)]
    if not goals:
        return _runtime_verb(cmd, cmd.program) if _has_dynamic_goal(cmd, parsed) else []
    return _confirm(
        _PUBLISH,
        cmd,
        f"{cmd.program} {_join(goals)} would upload {_ARTIFACTS}",
        _join(goals),
    )


_GRADLE_WITH_VALUE = frozenset(
    {
        "p", "--project-dir", "b", "--build-file", "c", "--settings-file", "x",
        "--exclude-task", "I", "--init-script", "g", "--gradle-user-home", "--console",
        "--warning-mode", "--max-workers", "--priority", "--include-build", "--tests",
        "--project-cache-dir", "--configuration-cache-problems", "--dependency-verification",
        "M", "--write-verification-metadata", "F", "--task-graph",
    }
)  # fmt: skip
_GRADLE_PUBLISHING_TASK = lazyre.compile(
    r"^(publish(?!\w*ToMavenLocal$)\w*"  # publish, publishPlugins, publishXToYRepository ...
    r"|uploadArchives|bintrayUpload|jib|closeAndRelease\w*|release\w*StagingRepositor\w*)$"
)


def _gradle(cmd: SimpleCommand) -> list[Finding]:
    parsed = parse(cmd.args, _GRADLE_WITH_VALUE)
    if parsed.has("h", "--help", "m", "--dry-run"):
        return []
    tasks = [t for t in parsed.positionals if _GRADLE_PUBLISHING_TASK.match(t.rsplit(":", 1)[-1])]
    if not tasks:
        return _runtime_verb(cmd, cmd.program) if _has_dynamic_goal(cmd, parsed) else []
    return _confirm(
        _PUBLISH,
        cmd,
        f"{cmd.program} {_join(tasks)} would upload {_ARTIFACTS}",
        _join(tasks),
    )


def _has_dynamic_goal(cmd: SimpleCommand, parsed: ParsedArgs) -> bool:
    return cmd.extra_args_unknown or any(
        not cmd.is_static(1 + i) for i in parsed.positional_indexes
    )


_DOTNET_NUGET = _Tool(
    _TOOLS["nuget"].writes,
    "the configured NuGet feed",
    ("s", "--source"),
    frozenset({"s", "--source", "k", "--api-key", "--symbol-source", "--symbol-api-key"}),
)


def _dotnet(cmd: SimpleCommand) -> list[Finding]:
    """`dotnet nuget push|delete` writes to a feed; `dotnet publish` only builds locally."""
    parsed = parse(cmd.args, {"s", "--source", "k", "--api-key", "v", "--verbosity"})
    index, found = _verb_position(cmd, parsed)
    if index is None or cmd.args[index] != "nuget":
        return found
    return _classify_tool(cmd, _DOTNET_NUGET, "dotnet nuget", cmd.args[index + 1 :], index + 2)


_WHOLE_PROGRAM_PUBLISHERS = {
    "semantic-release": ("d", "--dry-run"),
    "release-it": ("d", "--dry-run"),
    "np": ("--preview",),
}
"""Release tools whose every run publishes, unless told it is a dry run."""


def _whole_program(cmd: SimpleCommand) -> list[Finding]:
    parsed = parse(cmd.args)
    if parsed.has(*_WHOLE_PROGRAM_PUBLISHERS[cmd.program], "h", "--help", "v", "--version"):
        return []
    return _confirm(
        _PUBLISH,
        cmd,
        f"{cmd.program} would cut a release: tag, push and publish this package to its registry",
    )


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)


_SPECIAL: dict[str, Callable[[SimpleCommand], list[Finding]]] = {
    "yarn": _yarn,
    "cargo": _cargo,
    "gem": _gem,
    "mvn": _maven,
    "mvnw": _maven,
    "gradle": _gradle,
    "gradlew": _gradle,
    "dotnet": _dotnet,
    **{program: _whole_program for program in _WHOLE_PROGRAM_PUBLISHERS},
}

PROGRAMS: frozenset[str] = frozenset(_TOOLS) | frozenset(_SPECIAL)
NPM_PACKAGES: dict[str, str] = {
    "lerna": "lerna",
    "@changesets/cli": "changeset",
    "semantic-release": "semantic-release",
    "release-it": "release-it",
    "np": "np",
    "@vscode/vsce": "vsce",
    "vsce": "vsce",
    "ovsx": "ovsx",
    "jsr": "jsr",
}


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    special = _SPECIAL.get(cmd.program)
    if special is not None:
        return special(cmd)
    tool = _TOOLS.get(cmd.program)
    if tool is None:
        return []
    return _classify_tool(cmd, tool, cmd.program, cmd.args, 1)
