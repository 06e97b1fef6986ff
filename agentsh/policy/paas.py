"""Platforms (PaaS): Railway, Heroku, Fly, Vercel, Netlify, Render, Supabase, Neon,
PlanetScale, Firebase and Cloudflare Wrangler.

One platform token can delete a production database in a single call, so every
platform CLI is judged against an allowlist: the verbs known to only read
(`status`, `logs`, `… list`) are allowed, everything else — including verbs this
module has never heard of — needs a human. The `actions` tables only choose how
the confirm prompt words it (delete, deploy/change, reveal secrets, run code in
production), what it names as the target, and the few local-only forms
(`wrangler d1 execute --local`) that stay allowed.

Each platform is one `Platform` value below the machinery; search for
`RAILWAY = Platform(` to find the railway rules.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from functools import partial

from agentsh.policy import lazyre
from agentsh.policy.argv import KnownArgs, read_known
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.policy.phrases import singular
from agentsh.records import field, record


class Kind(enum.Enum):
    """What a non-read verb does; the value ends the rule id (`paas.railway-delete`)."""

    DELETE = "delete"
    """Destroys resources or data: volumes, apps, databases, deployments."""
    CHANGE = "change"
    """Deploys, scales, restarts, edits settings or links this machine to a project."""
    SECRETS = "secrets"
    """Prints or writes secret values (variables, connection strings, tokens)."""
    EXEC = "exec"
    """Runs commands with production credentials or inside production."""
    UNKNOWN = "unknown"
    """A verb not known to be read-only, or one that cannot be seen statically."""


@record
class Action:
    """How one non-read verb is described, and when it is harmless after all.

    `does` is a template completing "<program> <verb> would …"; it may use
    `{target}` and the platform's scope nouns (`{service}`, `{app}` …).
    `target` lists where the target comes from, first found wins: an option
    name (`--volume`), `--flag=phrase` (the flag stands for that phrase), `ARG`
    (first argument after the verb), `ARGS` (all of them), `PATH` (all, joined
    with `/`), `REST` (every word after the verb, options included).
    """

    kind: Kind
    does: str
    target: tuple[str, ...] = ("ARG",)
    noun: str = ""
    otherwise: str = ""
    passthrough: bool = False
    """Words after the verb belong to another program (`railway run npm test --help`)."""
    allow_if: tuple[str, ...] = ()
    """Flags that keep the verb on this machine (`--local`): then it is allowed."""
    allow_unless: tuple[str, ...] = ()
    """Flags that take a local verb to the platform (`wrangler dev --remote`)."""
    variants: tuple[tuple[str, Action], ...] = ()
    """(option, action) pairs: the first option present replaces this action."""

    @property
    def is_local_only(self) -> bool:
        return bool(self.allow_if or self.allow_unless)


DELETE = partial(Action, Kind.DELETE)
CHANGE = partial(Action, Kind.CHANGE)
SECRETS = partial(Action, Kind.SECRETS)
EXEC = partial(Action, Kind.EXEC)


@record
class Scope:
    """A resource the platform acts on implicitly (`--service api`, else the linked one)."""

    noun: str
    options: tuple[str, ...]
    default: str


@record
class Platform:
    name: str
    programs: tuple[str, ...]
    grants: tuple[str, ...]
    reads: frozenset[str]
    actions: Mapping[str, Action]
    value_options: frozenset[str]
    """Options that take the next word as their value (anywhere on the line)."""
    flag_options: frozenset[str]
    """Options known to take no value; any other option before the verb is a doubt."""
    scopes: tuple[Scope, ...] = ()
    top_aliases: Mapping[str, str] = field(default_factory=dict)
    """First-word aliases, possibly to several words (`destroy` -> `apps destroy`)."""
    word_aliases: Mapping[str, str] = field(default_factory=dict)
    colon_topics: bool = False
    """Commands are spelled `topic:command` (`heroku pg:reset`)."""
    version_flags: frozenset[str] = frozenset({"--version"})
    bare: Action | None = None
    """What the program does with no verb at all; None: it prints help."""
    fallback: Action | None = None
    """What an unknown first word means; None: an unknown command."""
    prefixes: frozenset[str] = field(init=False)
    depth: int = field(init=False)

    def __post_init__(self) -> None:
        keys = self.reads | self.actions.keys()
        prefixes = {" ".join(key.split()[:n]) for key in keys for n in range(1, len(key.split()))}
        object.__setattr__(self, "prefixes", frozenset(prefixes))
        object.__setattr__(self, "depth", max(len(key.split()) for key in keys))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _paths(text: str) -> frozenset[str]:
    """Command paths written as `status, logs, volume list`."""
    return frozenset(" ".join(path.split()) for path in text.split(",") if path.strip())


_DESTRUCTIVE_WORDS: Mapping[str, str] = {
    "destroy": "destroy",
    "delete": "delete",
    "del": "delete",
    "rm": "delete",
    "remove": "remove",
    "purge": "purge",
    "reset": "reset",
    "wipe": "erase",
    "erase": "erase",
    "drop": "drop",
    "truncate": "truncate",
    "prune": "prune",
    "clear": "clear",
    "terminate": "terminate",
    "kill": "kill",
    "killall": "kill",
}

_MUTATING_WORDS = frozenset(_DESTRUCTIVE_WORDS) | _words(
    """set unset add create new update edit deploy publish up down restart stop start
    scale resize type promote demote rollback rotate revoke import push put apply
    execute exec run ssh shell connect attach detach upload move rename transfer
    release restore enable disable on off upgrade link unlink capture schedule
    cancel install uninstall invite login logout"""
)

_URL_PASSWORD = lazyre.compile(r"(://[^:/@\s]+:)[^@\s]+@")


# ---------------------------------------------------------------------------
# Reading the command line
# ---------------------------------------------------------------------------


def _read_line(platform: Platform, args: Sequence[str]) -> KnownArgs:
    return read_known(args, platform.value_options, platform.flag_options, platform.version_flags)


def _verb_words(
    platform: Platform, positionals: Sequence[tuple[int, str]]
) -> list[tuple[str, int, bool]]:
    """The normalised words that may name the command: (word, positional number, ends it)."""
    words: list[tuple[str, int, bool]] = []
    for number, (_, word) in enumerate(positionals[: platform.depth]):
        parts = word.split(":") if platform.colon_topics and number == 0 else [word]
        if number == 0 and parts[0] in platform.top_aliases:
            parts = platform.top_aliases[parts[0]].split() + parts[1:]
        for index, part in enumerate(parts):
            normal = platform.word_aliases.get(part, part)
            words.append((normal, number, index == len(parts) - 1))
    return words


def _match(platform: Platform, positionals: Sequence[tuple[int, str]]) -> tuple[str, int] | None:
    """The longest known command the line starts with, and the positional it ends at."""
    words = _verb_words(platform, positionals)
    for n in range(len(words), 0, -1):
        _, number, ends_word = words[n - 1]
        if not ends_word:
            continue
        key = " ".join(w for w, _, _ in words[:n])
        if key in platform.reads or key in platform.actions:
            return key, number
    return None


def _guess(platform: Platform, positionals: Sequence[tuple[int, str]]) -> tuple[Action, int] | None:
    """An unknown verb that still says what it does (`fly machine destroy`)."""
    previous = ""
    for word, number, _ in _verb_words(platform, positionals[:3]):
        phrase = _DESTRUCTIVE_WORDS.get(word)
        if phrase:
            noun = singular(previous) if previous else ""
            otherwise = f"the selected {noun}" if noun else "the selected resource"
            return DELETE(f"{phrase} {{target}}", noun=noun, otherwise=otherwise), number
        previous = word
    return None


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------


@record
class _Outcome:
    kind: Kind
    message: str
    target: str | None = None


def _judge(platform: Platform, cmd: SimpleCommand, program: str) -> _Outcome | None:
    args = cmd.argv[1:]
    dynamic = {index - 1 for index in cmd.dynamic}
    line = _read_line(platform, args)
    positionals = line.positionals

    if not positionals:
        if line.help_at or line.version:
            return None
        if cmd.extra_args_unknown:
            return _unknown(f"{program} would run with arguments only known at run time")
        if line.unknown and any(i in dynamic for i in line.unknown):
            return _unknown(f"{program} has options only known at run time")
        if platform.bare is None:
            return None
        return _describe(platform, program, "", platform.bare, line, [], args)

    matched = _match(platform, positionals)
    if matched is None:
        return _judge_unmatched(platform, cmd, program, line, dynamic, args)

    key, last = matched
    verb_end = positionals[last][0]
    verb_text = " ".join(word for _, word in positionals[: last + 1])
    trailing = positionals[last + 1 :]
    action = platform.actions.get(key)

    if _asks_for_help(line, action, trailing):
        return None
    doubt = _doubt(line, args, verb_end, dynamic)

    if action is None:
        if doubt:
            return _Outcome(Kind.UNKNOWN, f"{program} {verb_text} cannot be judged: {doubt}")
        return _judge_read_tail(platform, cmd, program, key, verb_text, trailing, dynamic)

    action = _variant(action, line)
    if action.is_local_only and not doubt and _stays_local(action, line):
        return None
    return _describe(platform, program, verb_text, action, line, trailing, args)


def _judge_unmatched(
    platform: Platform,
    cmd: SimpleCommand,
    program: str,
    line: KnownArgs,
    dynamic: set[int],
    args: Sequence[str],
) -> _Outcome | None:
    positionals = line.positionals
    second = positionals[1][0] if len(positionals) > 1 else len(args)
    if any(i < second for i in line.help_at):
        return None
    first_index, first = positionals[0]
    if first_index in dynamic:
        return _unknown(f"{program} would run a command only known at run time ({first})")
    guessed = _guess(platform, positionals)
    if guessed is not None:
        action, last = guessed
        verb_text = " ".join(word for _, word in positionals[: last + 1])
        return _describe(platform, program, verb_text, action, line, positionals[last + 1 :], args)
    if platform.fallback is not None:
        return _describe(platform, program, "", platform.fallback, line, positionals, args)
    return _unknown(
        f"{program} {first} is not a command agentsh knows to be read-only"
        + _scope_suffix(platform, line, ""),
    )


def _judge_read_tail(
    platform: Platform,
    cmd: SimpleCommand,
    program: str,
    key: str,
    verb_text: str,
    trailing: Sequence[tuple[int, str]],
    dynamic: set[int],
) -> _Outcome | None:
    """A read verb stays allowed unless what follows may turn it into another command."""
    open_ended = key in platform.prefixes or platform.colon_topics
    if not trailing:
        if cmd.extra_args_unknown and open_ended:
            return _unknown(
                f"{program} {verb_text} would get more words only known at run time",
            )
        return None
    next_index, next_word = trailing[0]
    if next_index in dynamic and open_ended:
        return _unknown(
            f"{program} {verb_text} is followed by {next_word}, only known at run time",
        )
    if key != "help" and next_word in _MUTATING_WORDS:
        text = f"{verb_text} {next_word}"
        phrase = _DESTRUCTIVE_WORDS.get(next_word)
        if phrase:
            target = trailing[1][1] if len(trailing) > 1 else None
            what = target or "the selected resource"
            return _Outcome(Kind.DELETE, f"{program} {text} would {phrase} {what}", target)
        return _unknown(f"{program} {text} is not a command agentsh knows to be read-only")
    return None


def _asks_for_help(
    line: KnownArgs, action: Action | None, trailing: Sequence[tuple[int, str]]
) -> bool:
    if not line.help_at:
        return False
    if action is not None and action.passthrough and trailing:
        return any(i < trailing[0][0] for i in line.help_at)
    return True


def _doubt(line: KnownArgs, args: Sequence[str], verb_end: int, dynamic: set[int]) -> str:
    """Why the verb we matched may not be the one that runs, or "" when it is certain.

    A run-time word before the verb may split into several words, even as an
    option's value (`fly -a $APP status` with APP="x apps destroy x").
    """
    for index in sorted(dynamic):
        if index <= verb_end:
            return f"{args[index]} before the command is only known at run time"
    for index in line.unknown:
        if index < verb_end:
            name = next(name for i, name, _ in line.options if i == index)
            return f"the option {name} before the command may change which command runs"
    return ""


def _variant(action: Action, line: KnownArgs) -> Action:
    for option, variant in action.variants:
        if line.has(option):
            return variant
    return action


def _stays_local(action: Action, line: KnownArgs) -> bool:
    if any(line.has(flag) for flag in action.allow_unless):
        return False
    return not action.allow_if or any(line.has(flag) for flag in action.allow_if)


def _unknown(message: str) -> _Outcome:
    return _Outcome(Kind.UNKNOWN, message)


# ---------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------


def _describe(
    platform: Platform,
    program: str,
    verb_text: str,
    action: Action,
    line: KnownArgs,
    trailing: Sequence[tuple[int, str]],
    args: Sequence[str],
) -> _Outcome:
    action = _variant(action, line)
    named = _target(action, line, trailing, args) if "{target}" in action.does else None
    if named is None:
        target_phrase = action.otherwise
    elif named.is_phrase:
        target_phrase = named.text
    else:
        target_phrase = f"{action.noun} {named.text}" if action.noun else named.text
    fields = {"target": target_phrase}
    for scope in platform.scopes:
        value = line.value(*scope.options)
        fields[scope.noun] = f"{scope.noun} {value}" if value else scope.default
    does = action.does.format(**fields)
    head = f"{program} {verb_text}" if verb_text else program
    used = named.option if named else None
    suffix = _scope_suffix(platform, line, action.does, used)
    message = _redact(" ".join(f"{head} would {does}{suffix}".split()))
    target = named.text if named and not named.is_phrase else _main_scope_value(platform, line)
    return _Outcome(action.kind, message, _redact(target) if target else None)


@record
class _Named:
    text: str
    option: str | None = None
    is_phrase: bool = False


def _target(
    action: Action, line: KnownArgs, trailing: Sequence[tuple[int, str]], args: Sequence[str]
) -> _Named | None:
    words = [word for _, word in trailing]
    for source in action.target:
        if source == "ARG" and words:
            return _Named(words[0])
        if source == "ARGS" and words:
            return _Named(" ".join(words))
        if source == "PATH" and words:
            return _Named("/".join(words))
        if source == "REST" and trailing:
            return _Named(" ".join(args[trailing[0][0] :]))
        if "=" in source:
            flag, _, phrase = source.partition("=")
            if line.has(flag):
                return _Named(phrase, flag, is_phrase=True)
        elif source.startswith("-"):
            value = line.value(source)
            if value:
                return _Named(value, source)
    return None


def _scope_suffix(
    platform: Platform, line: KnownArgs, template: str, used: str | None = None
) -> str:
    """Scope given on the line but not already named by the message: ` (environment production)`."""
    parts = []
    for scope in platform.scopes:
        if f"{{{scope.noun}}}" in template or (used and used in scope.options):
            continue
        value = line.value(*scope.options)
        if value:
            parts.append(f"{scope.noun} {value}")
    return f" ({', '.join(parts)})" if parts else ""


def _main_scope_value(platform: Platform, line: KnownArgs) -> str | None:
    for scope in platform.scopes:
        value = line.value(*scope.options)
        if value:
            return value
    return None


def _redact(text: str) -> str:
    return _URL_PASSWORD.sub(r"\1***@", text)


# ---------------------------------------------------------------------------
# The platforms
# ---------------------------------------------------------------------------

RAILWAY = Platform(
    name="railway",
    programs=("railway",),
    grants=("backboard.railway.com", "backboard.railway.app"),
    reads=_paths(
        """
        status, logs, whoami, list, help, docs, open, completion, starship, metrics,
        volume list, volume files, service status, service logs, project list,
        deployment list, functions list, bucket list
        """
    ),
    actions={
        "down": DELETE("remove the latest deployment of {service}"),
        "up": CHANGE("upload {target} and deploy it to {service}", otherwise="this directory"),
        "deploy": CHANGE(
            "deploy {target} into {project}",
            target=("--template", "-t"),
            noun="template",
            otherwise="a template",
        ),
        "redeploy": CHANGE("redeploy the latest deployment of {service}"),
        "restart": CHANGE("restart {service}"),
        "scale": CHANGE("change the replicas of {service}"),
        "service redeploy": CHANGE("redeploy the latest deployment of {service}"),
        "service restart": CHANGE("restart {service}"),
        "service scale": CHANGE("change the replicas of {service}"),
        "service link": CHANGE(
            "link this directory to {target}", noun="service", otherwise="a service"
        ),
        "service": CHANGE("link this directory to {target}", noun="service", otherwise="a service"),
        "run": EXEC(
            "run {target} with the variables (secrets) of {service}",
            target=("REST",),
            otherwise="a local command",
            passthrough=True,
        ),
        "shell": EXEC("open a local shell holding the variables (secrets) of {service}"),
        "dev": EXEC("run the project's services locally with their variables (secrets)"),
        "ssh": EXEC(
            "run {target} inside the deployed {service}",
            target=("REST",),
            otherwise="a shell",
            passthrough=True,
        ),
        "connect": EXEC(
            "open a database shell on {target} in {environment}",
            noun="service",
            otherwise="a database of the linked project",
        ),
        "variable": SECRETS(
            "print the variables (secrets) of {service}",
            variants=(
                (
                    "--set",
                    CHANGE("set variable {target} on {service}", target=("--set",)),
                ),
                (
                    "--set-from-stdin",
                    CHANGE(
                        "set variable {target} on {service}",
                        target=("--set-from-stdin",),
                    ),
                ),
            ),
        ),
        "variable list": SECRETS("print the variables (secrets) of {service}"),
        "variable get": SECRETS(
            "print variable {target} (a secret) of {service}", otherwise="values"
        ),
        "variable set": CHANGE(
            "set variables {target} on {service}", target=("ARGS",), otherwise="from stdin"
        ),
        "variable delete": DELETE(
            "delete variable {target} from {service}", otherwise="(chosen at the prompt)"
        ),
        "volume delete": DELETE(
            "delete {target}",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume chosen at the prompt",
        ),
        "volume detach": CHANGE(
            "detach {target} from its service",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "volume update": CHANGE(
            "rename or re-mount {target}",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "volume attach": CHANGE(
            "attach {target} to {service}",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "volume add": CHANGE("add a volume to {service}"),
        "volume upload": CHANGE(
            "overwrite files in {target} with local files",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "volume download": SECRETS(
            "copy production data out of {target}",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "volume browse": EXEC(
            "open an interactive file browser on {target}",
            target=("--volume", "-v"),
            noun="volume",
            otherwise="a volume",
        ),
        "environment delete": DELETE(
            "delete {target} and every service, variable and volume in it",
            target=("ARG", "--environment", "-e"),
            noun="environment",
            otherwise="an environment chosen at the prompt",
        ),
        "environment new": CHANGE(
            "create {target}", noun="environment", otherwise="a new environment"
        ),
        "environment edit": CHANGE("change the configuration of {environment}"),
        "environment config": SECRETS("print the configuration (with variables) of {environment}"),
        "environment link": CHANGE(
            "link this directory to {target}",
            noun="environment",
            otherwise="an environment chosen at the prompt",
        ),
        "environment": CHANGE(
            "link this directory to {target}",
            noun="environment",
            otherwise="an environment chosen at the prompt",
        ),
        "project delete": DELETE(
            "delete {target} with all its services, databases and volumes",
            target=("--project", "-p", "ARG"),
            noun="project",
            otherwise="the linked project",
        ),
        "delete": DELETE(
            "delete {target} with all its services, databases and volumes",
            target=("--project", "-p", "ARG"),
            noun="project",
            otherwise="the linked project",
        ),
        "project link": CHANGE(
            "link this directory to {target}", noun="project", otherwise="a project"
        ),
        "link": CHANGE("link this directory to {project}"),
        "unlink": CHANGE("unlink this directory from {project}"),
        "init": CHANGE("create a new Railway project"),
        "add": CHANGE(
            "add {target} to {project}",
            target=("--database", "-d", "--image", "-i", "--repo", "-r", "ARG"),
            otherwise="a new service",
        ),
        "domain": CHANGE(
            "add {target} to {service}", noun="domain", otherwise="a generated domain"
        ),
        "login": CHANGE("log in and store a Railway token on this machine"),
        "logout": CHANGE("log out of Railway"),
        "upgrade": CHANGE("replace the railway CLI with a newer version"),
    },
    value_options=_words(
        """-s --service -e --environment -p --project -v --volume --variables --set
        --set-from-stdin -m --mount-path -n --name --lines --since --until --filter
        -t --template -i --image -r --repo --2fa-code"""
    ),
    flag_options=_words(
        """-y --yes --json -V --version --detach -c --ci --kv -k --all -b --build
        --http --skip-deploys --stdin --verbose"""
    ),
    scopes=(
        Scope("service", ("--service", "-s"), "the linked service"),
        Scope("environment", ("--environment", "-e"), "the linked environment"),
        Scope("project", ("--project", "-p"), "the linked project"),
    ),
    word_aliases={
        "variables": "variable",
        "vars": "variable",
        "var": "variable",
        "env": "environment",
        "local": "run",
        "develop": "dev",
        "ls": "list",
        "rm": "delete",
        "remove": "delete",
        "function": "functions",
        "func": "functions",
        "fn": "functions",
        "funcs": "functions",
        "fns": "functions",
    },
    version_flags=frozenset({"--version", "-V"}),
)

HEROKU = Platform(
    name="heroku",
    programs=("heroku",),
    grants=("api.heroku.com",),
    reads=_paths(
        """
        logs, apps, list, apps info, apps open, apps favorites, ps, ps wait,
        releases, releases info, releases output, status, help, version, addons,
        addons info, addons plans, addons services, addons open, domains,
        domains info, pg, pg info, pg ps, pg locks, pg outliers, pg blocking,
        pg diagnose, pg backups, pg backups info, pg backups schedules,
        pg credentials, pg links, redis, redis info, access, auth whoami, whoami,
        regions, stack, buildpacks, buildpacks info, buildpacks search, drains,
        certs, certs info, features, features info, labs, labs info, spaces,
        spaces info, teams, orgs, members, pipelines, pipelines info, authorizations,
        keys, webhooks, webhooks info, maintenance, local, local run, plugins,
        commands, autocomplete, notifications, ci, ci info, ci last
        """
    ),
    actions={
        "apps destroy": DELETE(
            "permanently delete {target} with all its add-ons and databases",
            target=("--app", "-a", "--confirm", "-c", "ARG"),
            noun="app",
            otherwise="the app of this directory's git remote",
        ),
        "apps create": CHANGE("create {target}", noun="app", otherwise="a new app"),
        "apps rename": CHANGE("rename {app} to {target}", otherwise="a new name"),
        "apps transfer": CHANGE("transfer {app} to {target}", otherwise="another owner"),
        "pg reset": DELETE(
            "erase every table and all data in {target} of {app}",
            noun="database",
            otherwise="the primary database",
        ),
        "pg kill": CHANGE("terminate query {target} on {app}", otherwise="(by pid)"),
        "pg killall": CHANGE("terminate every connection to the database of {app}"),
        "pg promote": CHANGE(
            "make {target} the primary DATABASE_URL of {app}", noun="database", otherwise=""
        ),
        "pg upgrade": CHANGE(
            "upgrade the Postgres version of {target} on {app}",
            noun="database",
            otherwise="the database",
        ),
        "pg unfollow": CHANGE(
            "stop {target} following its leader on {app}", noun="database", otherwise="a follower"
        ),
        "pg credentials rotate": CHANGE(
            "rotate the database credentials of {app}, breaking existing connections"
        ),
        "pg credentials url": SECRETS(
            "print the connection URL (with password) of a database of {app}"
        ),
        "pg credentials destroy": DELETE(
            "delete database credential {target} of {app}",
            target=("--name", "-n", "ARG"),
        ),
        "pg backups restore": DELETE(
            "overwrite a database of {app} with backup {target}",
            target=("ARG",),
            otherwise="(the latest)",
        ),
        "pg backups url": SECRETS(
            "print a download URL for backup {target} of {app}", otherwise="(the latest)"
        ),
        "pg backups download": SECRETS(
            "download backup {target} of {app}", otherwise="(the latest)"
        ),
        "pg backups delete": DELETE("delete backup {target} of {app}"),
        "pg backups capture": CHANGE("capture a new backup of a database of {app}"),
        "pg copy": DELETE(
            "copy database {target}, erasing all data in the destination",
            target=("ARGS",),
        ),
        "pg push": DELETE(
            "push a local database into {target} of {app}",
            target=("ARGS",),
            otherwise="a remote database",
        ),
        "pg pull": SECRETS(
            "copy the production database of {app} to {target}",
            target=("ARGS",),
            otherwise="a local database",
        ),
        "pg psql": EXEC(
            "open psql on {target} of {app}", noun="database", otherwise="the primary database"
        ),
        "addons destroy": DELETE("delete add-on {target} and its data from {app}"),
        "addons remove": DELETE("delete add-on {target} and its data from {app}"),
        "addons delete": DELETE("delete add-on {target} and its data from {app}"),
        "addons create": CHANGE("provision add-on {target} on {app}"),
        "addons add": CHANGE("provision add-on {target} on {app}"),
        "config": SECRETS("print every config var (secrets) of {app}"),
        "config get": SECRETS("print config var {target} (a secret) of {app}"),
        "config set": CHANGE(
            "set config vars {target} on {app} and restart it", target=("ARGS",), otherwise=""
        ),
        "config add": CHANGE(
            "set config vars {target} on {app} and restart it", target=("ARGS",), otherwise=""
        ),
        "config unset": CHANGE(
            "remove config vars {target} from {app} and restart it", target=("ARGS",), otherwise=""
        ),
        "config remove": CHANGE(
            "remove config vars {target} from {app} and restart it", target=("ARGS",), otherwise=""
        ),
        "config edit": CHANGE("edit the config vars (secrets) of {app}"),
        "ps scale": CHANGE(
            "scale the dynos of {app} to {target}", target=("ARGS",), otherwise="new sizes"
        ),
        "ps restart": CHANGE("restart {target} of {app}", noun="dynos", otherwise="every dyno"),
        "ps stop": CHANGE("stop {target} of {app}", noun="dyno", otherwise="dynos"),
        "ps kill": CHANGE("stop {target} of {app}", noun="dyno", otherwise="dynos"),
        "ps exec": EXEC("open a shell inside a running dyno of {app}"),
        "releases rollback": CHANGE(
            "roll {app} back to release {target}", otherwise="the previous release"
        ),
        "run": EXEC(
            "run {target} in a one-off dyno of {app} with its config vars (secrets)",
            target=("REST",),
            otherwise="a command",
            passthrough=True,
        ),
        "run detached": EXEC(
            "run {target} in a detached dyno of {app} with its config vars (secrets)",
            target=("REST",),
            otherwise="a command",
            passthrough=True,
        ),
        "run inside": EXEC(
            "run {target} inside a running dyno of {app}",
            target=("REST",),
            otherwise="a command",
            passthrough=True,
        ),
        "redis cli": EXEC("open redis-cli on the Redis add-on of {app}"),
        "redis credentials": SECRETS("print the Redis credentials of {app}"),
        "maintenance on": CHANGE("put {app} into maintenance mode (the site stops serving)"),
        "maintenance off": CHANGE("take {app} out of maintenance mode"),
        "domains remove": DELETE("remove domain {target} from {app}"),
        "domains clear": DELETE("remove every custom domain from {app}"),
        "domains add": CHANGE("add domain {target} to {app}"),
        "git remote": CHANGE("point this repository's heroku git remote at {app}"),
        "git clone": CHANGE("clone the source of {app}"),
        "auth token": SECRETS("print your Heroku API token"),
        "authorizations create": SECRETS("create and print a new Heroku API token"),
        "login": CHANGE("log in and store a Heroku token on this machine"),
        "auth login": CHANGE("log in and store a Heroku token on this machine"),
        "logout": CHANGE("log out of Heroku"),
        "auth logout": CHANGE("log out of Heroku"),
        "pipelines promote": CHANGE("promote {app} to the next stage of its pipeline"),
        "container push": CHANGE("build and push a container image for {app}"),
        "container release": CHANGE("release the pushed container image to {app}"),
    },
    value_options=_words(
        "-a --app -r --remote --confirm -c -n --name --num -d --dyno -s --source --ps"
    ),
    flag_options=frozenset({"--json", "--tail", "-t", "--version", "-v"}),
    scopes=(
        Scope("app", ("--app", "-a", "--confirm"), "the app of this directory's git remote"),
        Scope("remote", ("--remote", "-r"), "the heroku git remote"),
    ),
    top_aliases={
        "destroy": "apps destroy",
        "create": "apps create",
        "info": "apps info",
        "rename": "apps rename",
        "open": "apps open",
        "dyno": "ps",
        "scale": "ps scale",
        "restart": "ps restart",
        "stop": "ps stop",
        "kill": "ps kill",
        "rollback": "releases rollback",
    },
    word_aliases={"delete": "destroy"},
    colon_topics=True,
    version_flags=frozenset({"--version", "-v"}),
)

FLY = Platform(
    name="fly",
    programs=("fly", "flyctl"),
    grants=("api.fly.io", "api.machines.dev"),
    reads=_paths(
        """
        status, logs, version, help, doctor, docs, dashboard, open, info, history,
        monitor, releases, dig, ping, apps list, apps open, apps releases,
        volumes list, volumes show, volumes snapshots list, machine list,
        machine status, image show, checks list, ips list, ips private, certs list,
        certs show, certs check, regions list, scale show, config show, config env,
        config validate, secrets list, postgres list, postgres config show,
        postgres users list, postgres db list, orgs list, orgs show, auth whoami,
        platform regions, platform vm-sizes, platform status, wireguard list,
        tokens list, services list, redis list, redis status
        """
    ),
    actions={
        "apps destroy": DELETE(
            "permanently delete {target} with all its machines and volumes",
            target=("ARG", "--app", "-a"),
            noun="app",
            otherwise="the app in fly.toml",
        ),
        "volumes destroy": DELETE(
            "delete {target} and all data on it",
            noun="volume",
            otherwise="a volume chosen at the prompt",
        ),
        "machine destroy": DELETE(
            "destroy {target} of {app}", noun="machine", otherwise="a machine chosen at the prompt"
        ),
        "machine stop": CHANGE("stop {target} of {app}", noun="machine", otherwise="machines"),
        "machine kill": CHANGE("kill {target} of {app}", noun="machine", otherwise="a machine"),
        "machine suspend": CHANGE(
            "suspend {target} of {app}", noun="machine", otherwise="machines"
        ),
        "machine restart": CHANGE(
            "restart {target} of {app}", noun="machine", otherwise="machines"
        ),
        "machine exec": EXEC(
            "run {target} on a machine of {app}",
            target=("REST",),
            otherwise="a command",
            passthrough=True,
        ),
        "deploy": CHANGE("deploy a new release of {app}"),
        "launch": CHANGE("create and deploy a new app from this directory"),
        "apps create": CHANGE("create {target}", noun="app", otherwise="a new app"),
        "apps restart": CHANGE(
            "restart every machine of {target}",
            target=("ARG", "--app", "-a"),
            noun="app",
            otherwise="the app in fly.toml",
        ),
        "apps move": CHANGE(
            "move {target} to another organization", noun="app", otherwise="the app"
        ),
        "scale count": CHANGE(
            "scale {app} to {target}", target=("ARGS",), otherwise="a new machine count"
        ),
        "scale vm": CHANGE("change the machine size of {app} to {target}", otherwise="a new size"),
        "scale memory": CHANGE("change the memory of {app} to {target}", otherwise="a new size"),
        "secrets set": CHANGE(
            "set secrets {target} on {app} and redeploy it", target=("ARGS",), otherwise=""
        ),
        "secrets unset": CHANGE(
            "remove secrets {target} from {app} and redeploy it", target=("ARGS",), otherwise=""
        ),
        "secrets import": CHANGE("set secrets from stdin on {app} and redeploy it"),
        "secrets deploy": CHANGE("redeploy {app} with its staged secrets"),
        "ssh console": EXEC(
            "{target} on a machine of {app}",
            target=("--command", "-C"),
            noun="run",
            otherwise="open a shell",
        ),
        "ssh sftp": EXEC("transfer files to or from a machine of {app}"),
        "ssh issue": SECRETS("issue and print an SSH certificate for {app}'s organization"),
        "console": EXEC("start a console on a machine of {app}"),
        "proxy": EXEC("open a tunnel from this machine into the private network of {app}"),
        "postgres connect": EXEC("open psql on the Postgres cluster {app}"),
        "postgres failover": CHANGE("fail over the Postgres cluster {app} to a replica"),
        "postgres restart": CHANGE("restart the Postgres cluster {app}"),
        "postgres detach": CHANGE("detach a Postgres cluster from {app}"),
        "postgres attach": CHANGE("attach a Postgres cluster to {app} (sets DATABASE_URL)"),
        "postgres import": DELETE(
            "import a database into the Postgres cluster {app}, overwriting data"
        ),
        "auth token": SECRETS("print your Fly API token"),
        "tokens create": SECRETS("create and print a new Fly token"),
        "ips release": DELETE("release IP address {target} of {app}"),
        "ips allocate-v4": CHANGE("allocate a public IPv4 address to {app}"),
        "ips allocate-v6": CHANGE("allocate a public IPv6 address to {app}"),
        "auth login": CHANGE("log in and store a Fly token on this machine"),
        "auth logout": CHANGE("log out of Fly"),
        "volumes create": CHANGE("create {target} for {app}", noun="volume", otherwise="a volume"),
        "volumes extend": CHANGE("extend {target}", noun="volume", otherwise="a volume"),
        "volumes fork": CHANGE("fork {target}", noun="volume", otherwise="a volume"),
    },
    value_options=_words(
        """-a --app -c --config -t --access-token -o --org -r --region --image -i
        --vm-size --strategy -e --env --build-arg --dockerfile --machine -C --command
        --size --count -n --name"""
    ),
    flag_options=_words(
        """-y --yes -j --json --verbose --debug --force -f --detach --remote-only
        --local-only --now --ha --all --select"""
    ),
    scopes=(
        Scope("app", ("--app", "-a"), "the app in fly.toml"),
        Scope("org", ("--org", "-o"), "your organization"),
    ),
    top_aliases={
        "destroy": "apps destroy",
        "restart": "apps restart",
        "dash": "dashboard",
        "ls": "list",
    },
    word_aliases={
        "volume": "volumes",
        "vol": "volumes",
        "machines": "machine",
        "m": "machine",
        "app": "apps",
        "ls": "list",
        "rm": "destroy",
        "remove": "destroy",
        "delete": "destroy",
        "pg": "postgres",
        "secret": "secrets",
        "ip": "ips",
        "cert": "certs",
        "certificates": "certs",
        "img": "image",
        "org": "orgs",
    },
)

VERCEL_DEPLOY = CHANGE(
    "deploy this directory to {target}",
    target=("--prod=production", "--target"),
    otherwise="a new preview URL",
)

VERCEL = Platform(
    name="vercel",
    programs=("vercel", "vc"),
    grants=("api.vercel.com",),
    reads=_paths(
        """
        list, inspect, logs, whoami, help, dev, build, init, bisect, env list,
        domains list, domains inspect, dns list, certs list, alias list,
        project list, project inspect, teams list, integration list,
        telemetry status
        """
    ),
    actions={
        "deploy": VERCEL_DEPLOY,
        "remove": DELETE(
            "delete {target} with all its deployments", target=("ARGS",), otherwise="a deployment"
        ),
        "env remove": DELETE(
            "delete environment variable {target}", target=("ARGS",), otherwise=""
        ),
        "env add": CHANGE("add environment variable {target}", target=("ARGS",)),
        "env update": CHANGE(
            "change environment variable {target}", target=("ARGS",), otherwise=""
        ),
        "env pull": SECRETS(
            "write the environment variables (secrets) of the linked project to {target}",
            otherwise=".env.local",
        ),
        "pull": SECRETS(
            "write the linked project's settings and environment variables (secrets) to .vercel/",
        ),
        "alias": CHANGE("point alias {target} at a deployment", target=("ARGS",)),
        "alias set": CHANGE("point alias {target} at a deployment", target=("ARGS",)),
        "alias remove": DELETE("remove alias {target}"),
        "domains remove": DELETE("remove domain {target}"),
        "domains add": CHANGE("add domain {target}"),
        "domains buy": CHANGE("buy domain {target} (charges your account)"),
        "domains move": CHANGE("move domain {target} to another team"),
        "dns remove": DELETE("delete DNS record {target}"),
        "dns add": CHANGE("add DNS record {target}", target=("ARGS",)),
        "dns import": CHANGE("import DNS records into {target}", otherwise="a domain"),
        "certs remove": DELETE("delete certificate {target}"),
        "promote": CHANGE(
            "promote {target} to production", noun="deployment", otherwise="a deployment"
        ),
        "rollback": CHANGE(
            "roll production back to {target}",
            noun="deployment",
            otherwise="the previous deployment",
        ),
        "redeploy": CHANGE("redeploy {target}", noun="deployment", otherwise="a deployment"),
        "link": CHANGE("link this directory to a Vercel project"),
        "login": CHANGE("log in and store a Vercel token on this machine"),
        "logout": CHANGE("log out of Vercel"),
        "switch": CHANGE("switch the team later vercel commands act on"),
        "project remove": DELETE("delete project {target} with all its deployments"),
        "project add": CHANGE("create project {target}"),
    },
    value_options=_words(
        """-t --token -S --scope --team --cwd -A --local-config -Q --global-config
        --target -e --env -b --build-env -m --meta --regions --environment"""
    ),
    flag_options=_words(
        """--prod -y --yes -d --debug -f --force --public --prebuilt --no-wait
        --skip-domain --no-color --archive"""
    ),
    scopes=(Scope("scope", ("--scope", "-S", "--team"), "your current team"),),
    top_aliases={"projects": "project", "ln": "link"},
    word_aliases={
        "ls": "list",
        "rm": "remove",
        "domain": "domains",
        "cert": "certs",
        "aliases": "alias",
        "ln": "alias",
        "team": "teams",
    },
    version_flags=frozenset({"--version", "-v"}),
    bare=VERCEL_DEPLOY,
    fallback=CHANGE(
        "deploy {target}",
        otherwise="this directory",
        variants=(("--prod", CHANGE("deploy {target} to production")),),
    ),
)

NETLIFY = Platform(
    name="netlify",
    programs=("netlify", "ntl"),
    grants=("api.netlify.com",),
    reads=_paths(
        """
        status, status hooks, sites list, logs, logs function, logs functions,
        logs deploy, open, open admin, open site, help, dev, serve, build, watch,
        completion, functions list, functions serve, functions build,
        functions create, functions new, recipes list, blobs list, blobs get
        """
    ),
    actions={
        "sites delete": DELETE(
            "permanently delete {target} and all its deploys",
            noun="site",
            otherwise="the linked site",
        ),
        "sites create": CHANGE(
            "create {target}", target=("--name", "-n"), noun="site", otherwise="a new site"
        ),
        "deploy": CHANGE(
            "publish {target} of {site}",
            target=(
                "--prod=a production deploy",
                "-p=a production deploy",
                "--prod-if-unlocked=a production deploy",
            ),
            otherwise="a draft deploy",
        ),
        "env list": SECRETS("print the environment variables (secrets) of {site}"),
        "env get": SECRETS(
            "print environment variable {target} (a secret) of {site}", otherwise=""
        ),
        "env set": CHANGE("set environment variable {target} on {site}"),
        "env unset": DELETE("delete environment variable {target} from {site}"),
        "env import": CHANGE(
            "import environment variables from {target} into {site}", otherwise="a file"
        ),
        "env clone": CHANGE("copy environment variables between sites"),
        "link": CHANGE(
            "link this directory to {target}",
            target=("--name", "--id", "--site", "-s"),
            noun="site",
            otherwise="a Netlify site",
        ),
        "unlink": CHANGE("unlink this directory from {site}"),
        "init": CHANGE("create or connect a Netlify site for this directory"),
        "login": CHANGE("log in and store a Netlify token on this machine"),
        "logout": CHANGE("log out of Netlify"),
        "switch": CHANGE("switch the Netlify account later commands act on"),
        "api": CHANGE("call Netlify API method {target}"),
        "functions invoke": EXEC("invoke function {target}", otherwise="(chosen at the prompt)"),
        "blobs set": CHANGE("write blob {target} of {site}", target=("ARGS",)),
        "blobs delete": DELETE("delete blob {target} of {site}", target=("ARGS",)),
    },
    value_options=_words(
        """-s --site --auth --filter --context -d --dir -f --functions -m --message
        --alias -n --name --port -a --account-slug"""
    ),
    flag_options=frozenset(
        {"--json", "--debug", "--prod", "-p", "--prod-if-unlocked", "--force", "--open", "-o"}
    ),
    scopes=(Scope("site", ("--site", "-s"), "the linked site"),),
    word_aliases={"ls": "list", "rm": "delete", "remove": "delete"},
    colon_topics=True,
    version_flags=frozenset({"--version", "-V"}),
)

RENDER = Platform(
    name="render",
    programs=("render",),
    grants=("api.render.com",),
    reads=_paths(
        """
        services, services list, services instances, deploys list, jobs list, logs,
        environments, projects, workspaces, workspace current, whoami, docs, help,
        blueprints validate, pg list, kv list, object list, instances list
        """
    ),
    actions={
        "deploys create": CHANGE(
            "deploy {target}", noun="service", otherwise="a service chosen at the prompt"
        ),
        "deploys cancel": CHANGE(
            "cancel the running deploy of {target}", noun="service", otherwise="a service"
        ),
        "restart": CHANGE(
            "restart {target}", noun="service", otherwise="a service chosen at the prompt"
        ),
        "rollback": CHANGE(
            "roll {target} back to an earlier deploy", noun="service", otherwise="a service"
        ),
        "psql": EXEC(
            "open psql on {target}",
            noun="database",
            otherwise="a database chosen at the prompt",
            passthrough=True,
        ),
        "ssh": EXEC(
            "open a shell on {target}",
            noun="service",
            otherwise="a service chosen at the prompt",
            passthrough=True,
        ),
        "kv-cli": EXEC(
            "open a Key Value shell on {target}", otherwise="an instance", passthrough=True
        ),
        "redis-cli": EXEC(
            "open a Key Value shell on {target}", otherwise="an instance", passthrough=True
        ),
        "jobs create": EXEC("run a one-off job on {target}", noun="service", otherwise="a service"),
        "jobs cancel": CHANGE("cancel job {target}"),
        "pg delete": DELETE("delete Postgres database {target} and all its data"),
        "pg suspend": CHANGE("suspend Postgres database {target}"),
        "kv delete": DELETE("delete Key Value instance {target} and all its data"),
        "object delete": DELETE("delete object {target}", target=("ARGS",)),
        "object put": CHANGE("write object {target}", target=("ARGS",)),
        "login": CHANGE("log in and store a Render token on this machine"),
        "logout": CHANGE("log out of Render"),
        "workspace set": CHANGE("switch the workspace later render commands act on"),
    },
    value_options=frozenset({"-o", "--output"}),
    flag_options=frozenset({"--confirm"}),
    word_aliases={"ls": "list", "rm": "delete"},
    version_flags=frozenset({"--version", "-v"}),
)

SUPABASE_LINKED = "the linked project's database"

SUPABASE = Platform(
    name="supabase",
    programs=("supabase",),
    grants=("api.supabase.com",),
    reads=_paths(
        """
        status, help, init, start, db start, db diff, db lint, gen types,
        gen signing-key, projects list, orgs list, migration list, migration new,
        migration fetch, functions list, functions serve, functions new,
        functions download, secrets list, inspect db, inspect report, backups list,
        branches list, services, snippets list, snippets download, storage ls,
        test db, test new, completion
        """
    ),
    actions={
        "db reset": DELETE(
            "erase all data in {target} and re-run the migrations",
            target=("--db-url", f"--linked={SUPABASE_LINKED}"),
            otherwise="the local database",
        ),
        "db push": CHANGE(
            "apply local migrations to {target}",
            target=("--db-url", "--local=the local database"),
            otherwise=SUPABASE_LINKED,
            allow_if=("--local",),
        ),
        "db pull": CHANGE(
            "pull the schema of {target} and update its migration history",
            target=("--db-url", "--local=the local database"),
            otherwise=SUPABASE_LINKED,
            allow_if=("--local",),
        ),
        "db dump": SECRETS(
            "dump {target} (data may include secrets and personal data)",
            target=("--db-url", "--local=the local database"),
            otherwise=SUPABASE_LINKED,
            allow_if=("--local",),
        ),
        "migration repair": CHANGE(
            "rewrite the migration history of {target}",
            target=("--db-url", "--local=the local database"),
            otherwise=SUPABASE_LINKED,
            allow_if=("--local",),
        ),
        "migration squash": CHANGE(
            "squash migrations and rewrite the history of {target}",
            target=("--db-url", f"--linked={SUPABASE_LINKED}"),
            otherwise="the local database",
            allow_unless=("--linked", "--db-url"),
        ),
        "migration up": CHANGE(
            "apply pending migrations to {target}",
            target=("--db-url", f"--linked={SUPABASE_LINKED}"),
            otherwise="the local database",
            allow_unless=("--linked", "--db-url"),
        ),
        "migration down": DELETE(
            "revert migrations on {target}, dropping their data",
            target=("--db-url", f"--linked={SUPABASE_LINKED}"),
            otherwise="the local database",
        ),
        "stop": DELETE(
            "stop the local stack and delete its database volumes",
            allow_unless=("--no-backup",),
        ),
        "projects delete": DELETE(
            "permanently delete {target} and its database",
            noun="project",
            otherwise="a project chosen at the prompt",
        ),
        "projects create": CHANGE("create {target}", noun="project", otherwise="a new project"),
        "projects api-keys": SECRETS("print the API keys (secrets) of {project}"),
        "functions delete": DELETE("delete Edge Function {target} from {project}"),
        "functions deploy": CHANGE(
            "deploy {target} to {project}", noun="Edge Function", otherwise="every Edge Function"
        ),
        "secrets set": CHANGE(
            "set secrets {target} on {project}", target=("ARGS",), otherwise="from a file"
        ),
        "secrets unset": DELETE(
            "delete secrets {target} from {project}", target=("ARGS",), otherwise=""
        ),
        "link": CHANGE("link this directory to {project}"),
        "unlink": CHANGE("unlink this directory from {project}"),
        "login": CHANGE("log in and store a Supabase token on this machine"),
        "logout": CHANGE("log out of Supabase"),
        "branches delete": DELETE("delete preview branch {target} and its database"),
        "branches create": CHANGE("create preview branch {target}"),
        "branches update": CHANGE("change preview branch {target}"),
        "branches get": SECRETS(
            "print the connection details (with password) of branch {target}", otherwise=""
        ),
        "backups restore": DELETE("restore {project} to a backup, overwriting its data"),
        "storage rm": DELETE(
            "delete {target} from Storage", target=("ARGS",), allow_if=("--local",)
        ),
        "storage cp": CHANGE("copy {target} in Storage", target=("ARGS",), allow_if=("--local",)),
        "storage mv": CHANGE("move {target} in Storage", target=("ARGS",), allow_if=("--local",)),
        "config push": CHANGE("push the local config to {project}"),
        "bootstrap": CHANGE("create a new project from a template"),
    },
    value_options=_words(
        """--project-ref --db-url -p --password --workdir --profile -o --output -s
        --schema -f --file --network-id"""
    ),
    flag_options=frozenset(
        {"--linked", "--local", "--debug", "--yes", "--experimental", "--no-backup", "--all"}
    ),
    scopes=(Scope("project", ("--project-ref",), "the linked project"),),
    word_aliases={"migrations": "migration", "ls": "list", "rm": "delete", "remove": "delete"},
    version_flags=frozenset({"--version", "-v"}),
)

NEON = Platform(
    name="neon",
    programs=("neon", "neonctl"),
    grants=("console.neon.tech",),
    reads=_paths(
        """
        projects list, projects get, branches list, branches get,
        branches schema-diff, databases list, roles list, operations list, me,
        orgs list, ip-allow list, help, completion
        """
    ),
    actions={
        "projects delete": DELETE(
            "permanently delete {target} with all its branches and data",
            target=("ARG", "--project-id"),
            noun="project",
            otherwise="the project in the neonctl context",
        ),
        "projects create": CHANGE(
            "create {target}", target=("--name",), noun="project", otherwise="a new project"
        ),
        "projects update": CHANGE(
            "change the settings of {target}",
            target=("ARG", "--project-id"),
            noun="project",
        ),
        "branches delete": DELETE(
            "delete {target} and its data in {project}", noun="branch", otherwise="a branch"
        ),
        "branches reset": DELETE(
            "reset {target} to its parent, discarding its changes",
            noun="branch",
            otherwise="a branch",
        ),
        "branches restore": DELETE(
            "restore {target} to an earlier state, overwriting its data",
            noun="branch",
            otherwise="a branch",
        ),
        "branches create": CHANGE(
            "create {target} in {project}", target=("--name",), noun="branch", otherwise="a branch"
        ),
        "branches rename": CHANGE("rename {target}", noun="branch", otherwise="a branch"),
        "branches set-default": CHANGE(
            "make {target} the default branch", noun="branch", otherwise="a branch"
        ),
        "databases delete": DELETE(
            "delete {target} and its data in {project}", noun="database", otherwise="a database"
        ),
        "databases create": CHANGE(
            "create {target}", target=("--name",), noun="database", otherwise="a database"
        ),
        "roles delete": DELETE("delete {target} in {project}", noun="role", otherwise="a role"),
        "roles create": SECRETS(
            "create {target} and print its password",
            target=("--name",),
            noun="role",
            otherwise="a role",
        ),
        "connection-string": SECRETS(
            "print the connection string (with password) of {target} in {project}",
            target=("ARG", "--branch"),
            noun="branch",
            otherwise="the default branch",
            variants=(
                (
                    "--psql",
                    EXEC(
                        "open psql on {target} in {project}",
                        target=("ARG", "--branch"),
                        noun="branch",
                        otherwise="the default branch",
                    ),
                ),
            ),
        ),
        "ip-allow add": CHANGE(
            "allow IP addresses {target} to reach {project}", target=("ARGS",), otherwise=""
        ),
        "auth": CHANGE("log in and store a Neon token on this machine"),
        "set-context": CHANGE("set the project later neonctl commands act on"),
        "init": CHANGE("create a Neon project for this directory"),
    },
    value_options=_words(
        """--api-key --project-id --org-id --branch --database-name --role-name -o
        --output --config-dir --context-file --name --parent --endpoint-type"""
    ),
    flag_options=frozenset(
        {
            "--analytics",
            "--no-analytics",
            "--pooled",
            "--prisma",
            "--psql",
            "--extended",
            "--no-color",
            "--color",
        }
    ),
    scopes=(
        Scope("project", ("--project-id",), "the project in the neonctl context"),
        Scope("org", ("--org-id",), "your organization"),
    ),
    word_aliases={
        "project": "projects",
        "branch": "branches",
        "database": "databases",
        "db": "databases",
        "role": "roles",
        "operation": "operations",
        "org": "orgs",
        "cs": "connection-string",
        "ls": "list",
        "rm": "delete",
    },
    version_flags=frozenset({"--version", "-v"}),
)

PLANETSCALE = Platform(
    name="pscale",
    programs=("pscale",),
    grants=("api.planetscale.com",),
    reads=_paths(
        """
        database list, database show, branch list, branch show, branch schema,
        branch diff, branch lint, deploy-request list, deploy-request show,
        deploy-request diff, password list, backup list, backup show, org list,
        org show, region list, audit-log list, service-token list, auth check, help,
        version, completion, ping
        """
    ),
    actions={
        "database delete": DELETE(
            "permanently delete {target} with all its branches and data",
            noun="database",
            otherwise="a database",
        ),
        "database create": CHANGE("create {target}", noun="database", otherwise="a database"),
        "database dump": SECRETS(
            "dump the data of {target} to local files",
            target=("PATH",),
            noun="branch",
            otherwise="a branch",
        ),
        "database restore-dump": DELETE(
            "load a dump into {target}, overwriting data",
            target=("PATH",),
            noun="branch",
            otherwise="a branch",
        ),
        "branch delete": DELETE(
            "delete {target} and its data", target=("PATH",), noun="branch", otherwise="a branch"
        ),
        "branch create": CHANGE(
            "create {target}", target=("PATH",), noun="branch", otherwise="a branch"
        ),
        "branch promote": CHANGE(
            "promote {target} to production", target=("PATH",), noun="branch", otherwise="a branch"
        ),
        "branch demote": CHANGE(
            "demote {target} to development", target=("PATH",), noun="branch", otherwise="a branch"
        ),
        "deploy-request deploy": CHANGE(
            "deploy the schema changes of {target} to production",
            target=("PATH",),
            noun="deploy request",
            otherwise="a deploy request",
        ),
        "deploy-request apply": CHANGE(
            "apply {target} to production",
            target=("PATH",),
            noun="deploy request",
            otherwise="a deploy request",
        ),
        "deploy-request revert": CHANGE(
            "revert {target} on production",
            target=("PATH",),
            noun="deploy request",
            otherwise="a deploy request",
        ),
        "deploy-request create": CHANGE(
            "open a deploy request for {target}",
            target=("PATH",),
            noun="branch",
            otherwise="a branch",
        ),
        "password create": SECRETS(
            "create and print a new password for {target}",
            target=("PATH",),
            noun="branch",
            otherwise="a branch",
        ),
        "password delete": DELETE("delete password {target}", target=("PATH",)),
        "service-token create": SECRETS("create and print a new service token"),
        "shell": EXEC(
            "open a MySQL shell on {target}", target=("PATH",), noun="branch", otherwise="a branch"
        ),
        "connect": EXEC(
            "open a tunnel from this machine to {target}",
            target=("PATH",),
            noun="branch",
            otherwise="a branch",
        ),
        "auth login": CHANGE("log in and store a PlanetScale token on this machine"),
        "auth logout": CHANGE("log out of PlanetScale"),
        "org switch": CHANGE("switch the organization later pscale commands act on"),
    },
    value_options=frozenset(
        {
            "--org",
            "--service-token",
            "--service-token-id",
            "--api-url",
            "--config",
            "-f",
            "--format",
        }
    ),
    flag_options=frozenset({"--debug", "--no-color", "--force", "--web", "--wait"}),
    scopes=(Scope("org", ("--org",), "the current organization"),),
    word_aliases={
        "db": "database",
        "databases": "database",
        "br": "branch",
        "branches": "branch",
        "dr": "deploy-request",
        "deploy-requests": "deploy-request",
        "pw": "password",
        "passwords": "password",
        "backups": "backup",
        "orgs": "org",
        "regions": "region",
        "ls": "list",
        "rm": "delete",
    },
)

FIREBASE = Platform(
    name="firebase",
    programs=("firebase",),
    grants=(
        "firebase.googleapis.com",
        "firebasehosting.googleapis.com",
        "firestore.googleapis.com",
        "cloudfunctions.googleapis.com",
        "cloudresourcemanager.googleapis.com",
    ),
    reads=_paths(
        """
        projects list, login list, apps list, apps sdkconfig, hosting channel list,
        hosting sites list, functions list, functions log, functions secrets get,
        help, emulators start, emulators exec, emulators export, serve, init, open,
        target, database get, database instances list, database settings get,
        firestore indexes, firestore databases list, firestore databases get,
        remoteconfig get, remoteconfig versions list, ext list, ext info,
        apphosting backends list
        """
    ),
    actions={
        "deploy": CHANGE(
            "deploy {target} to {project}",
            target=("--only",),
            otherwise="everything in firebase.json (hosting, functions, rules ...)",
        ),
        "firestore delete": DELETE(
            "delete Firestore documents {target} in {project}",
            target=("--all-collections=in every collection", "ARG"),
        ),
        "database remove": DELETE(
            "delete Realtime Database data at {target} in {project}", otherwise="a path"
        ),
        "database set": DELETE(
            "overwrite Realtime Database data at {target} in {project}", otherwise="a path"
        ),
        "database update": CHANGE(
            "update Realtime Database data at {target} in {project}", otherwise="a path"
        ),
        "database push": CHANGE(
            "add Realtime Database data at {target} in {project}", otherwise="a path"
        ),
        "hosting disable": DELETE("take the Hosting site of {project} offline"),
        "hosting channel delete": DELETE(
            "delete preview channel {target} of {project}", otherwise=""
        ),
        "hosting channel deploy": CHANGE(
            "deploy preview channel {target} of {project}", otherwise=""
        ),
        "hosting clone": CHANGE(
            "copy a Hosting version to {target}", target=("ARGS",), otherwise=""
        ),
        "hosting sites delete": DELETE("delete Hosting site {target}"),
        "functions delete": DELETE(
            "delete Cloud Functions {target} from {project}", target=("ARGS",), otherwise=""
        ),
        "functions config get": SECRETS("print the functions config (secrets) of {project}"),
        "functions config set": CHANGE(
            "set functions config {target} on {project}", target=("ARGS",), otherwise=""
        ),
        "functions config unset": CHANGE(
            "remove functions config {target} from {project}", target=("ARGS",), otherwise=""
        ),
        "functions secrets access": SECRETS("print secret {target} of {project}"),
        "functions secrets set": CHANGE("set secret {target} on {project}"),
        "functions secrets destroy": DELETE("delete secret {target} from {project}"),
        "functions secrets prune": DELETE("delete unused secrets of {project}"),
        "auth import": CHANGE(
            "import user accounts from {target} into {project}", otherwise="a file"
        ),
        "auth export": SECRETS(
            "export all user accounts (with password hashes) of {project} to {target}",
            otherwise="a file",
        ),
        "login": CHANGE("log in and store a Firebase token on this machine"),
        "login ci": SECRETS("log in and print a long-lived CI token"),
        "login add": CHANGE("add a Google account to this machine"),
        "login use": CHANGE("switch the Google account later commands use"),
        "logout": CHANGE("log out of Firebase"),
        "use": CHANGE(
            "switch the active project to {target}", otherwise="one chosen at the prompt"
        ),
        "projects create": CHANGE("create project {target}"),
        "apps create": CHANGE("create app {target} in {project}", target=("ARGS",)),
        "remoteconfig rollback": CHANGE("roll back the Remote Config of {project}"),
        "ext install": CHANGE("install extension {target} in {project}"),
        "ext uninstall": DELETE("uninstall extension {target} from {project}"),
    },
    value_options=_words(
        """-P --project --token --account -c --config --only --except -m --message
        --instance --site --expires"""
    ),
    flag_options=_words(
        """--debug --json -j --non-interactive --interactive --force -f -r --recursive
        --all-collections --shallow"""
    ),
    scopes=(Scope("project", ("--project", "-P"), "the active Firebase project"),),
    colon_topics=True,
    version_flags=frozenset({"--version", "-V"}),
)

WRANGLER = Platform(
    name="wrangler",
    programs=("wrangler",),
    grants=("api.cloudflare.com",),
    reads=_paths(
        """
        whoami, tail, help, docs, types, init, generate, build, check,
        deployments list, deployments status, deployments view, versions list,
        versions view, kv key list, kv key get, kv namespace list, r2 bucket list,
        r2 bucket info, r2 object get, d1 list, d1 info, d1 migrations list,
        d1 migrations create, queues list, secret list, pages project list,
        pages deployment list, pages deployment tail, pages dev,
        pages functions build, hyperdrive list, vectorize list, workflows list,
        telemetry status
        """
    ),
    actions={
        "dev": CHANGE(
            "run the worker against its remote Cloudflare resources",
            allow_unless=("--remote",),
        ),
        "deploy": CHANGE(
            "deploy {target} to Cloudflare",
            target=("--name",),
            noun="worker",
            otherwise="the worker of this directory",
            allow_if=("--dry-run",),
        ),
        "publish": CHANGE(
            "deploy {target} to Cloudflare",
            target=("--name",),
            noun="worker",
            otherwise="the worker of this directory",
            allow_if=("--dry-run",),
        ),
        "delete": DELETE(
            "delete {target} from Cloudflare",
            target=("--name", "ARG"),
            noun="worker",
            otherwise="the worker of this directory",
        ),
        "rollback": CHANGE(
            "roll the worker back to {target}", noun="version", otherwise="its previous version"
        ),
        "secret put": CHANGE("set secret {target} on the worker"),
        "secret delete": DELETE("delete secret {target} from the worker"),
        "secret bulk": CHANGE("set secrets from {target} on the worker", otherwise="stdin"),
        "versions deploy": CHANGE(
            "deploy worker versions {target}", target=("ARGS",), otherwise="chosen at the prompt"
        ),
        "versions upload": CHANGE("upload a new worker version", allow_if=("--dry-run",)),
        "versions secret put": CHANGE("set secret {target} in a new worker version"),
        "versions secret delete": DELETE(
            "delete secret {target} in a new worker version", otherwise=""
        ),
        "versions secret bulk": CHANGE("set secrets in a new worker version"),
        "triggers deploy": CHANGE("deploy the worker's triggers"),
        "d1 execute": CHANGE(
            "run SQL on remote {target}",
            noun="D1 database",
            otherwise="a D1 database",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "d1 migrations apply": CHANGE(
            "apply migrations to remote {target}",
            noun="D1 database",
            otherwise="a D1 database",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "d1 export": SECRETS(
            "export the data of remote {target}",
            noun="D1 database",
            otherwise="a D1 database",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "d1 delete": DELETE(
            "delete {target} and all its data", noun="D1 database", otherwise="a D1 database"
        ),
        "d1 create": CHANGE("create {target}", noun="D1 database", otherwise="a D1 database"),
        "d1 time-travel restore": DELETE(
            "restore {target} to an earlier point, overwriting its data",
            noun="D1 database",
            otherwise="a D1 database",
        ),
        "kv key put": CHANGE(
            "write KV key {target}", allow_if=("--local",), allow_unless=("--remote",)
        ),
        "kv key delete": DELETE(
            "delete KV key {target}",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "kv bulk put": CHANGE(
            "write KV keys from {target}",
            otherwise="a file",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "kv bulk delete": DELETE(
            "delete the KV keys listed in {target}",
            otherwise="a file",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "kv namespace delete": DELETE(
            "delete {target} and all its keys",
            target=("--namespace-id", "--binding", "ARG"),
            noun="KV namespace",
            otherwise="a KV namespace",
        ),
        "kv namespace create": CHANGE(
            "create {target}", noun="KV namespace", otherwise="a KV namespace"
        ),
        "kv namespace rename": CHANGE(
            "rename {target}", noun="KV namespace", otherwise="a KV namespace"
        ),
        "r2 bucket delete": DELETE("delete {target}", noun="R2 bucket", otherwise="an R2 bucket"),
        "r2 bucket create": CHANGE("create {target}", noun="R2 bucket", otherwise="an R2 bucket"),
        "r2 object delete": DELETE(
            "delete R2 object {target}",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "r2 object put": CHANGE(
            "upload R2 object {target}",
            allow_if=("--local",),
            allow_unless=("--remote",),
        ),
        "queues delete": DELETE("delete queue {target}"),
        "queues create": CHANGE("create queue {target}"),
        "pages deploy": CHANGE("deploy {target} to Cloudflare Pages", otherwise="this directory"),
        "pages publish": CHANGE("deploy {target} to Cloudflare Pages", otherwise="this directory"),
        "pages project delete": DELETE(
            "delete Pages project {target} with all its deployments", otherwise=""
        ),
        "pages deployment delete": DELETE("delete Pages deployment {target}"),
        "login": CHANGE("log in and store a Cloudflare token on this machine"),
        "logout": CHANGE("log out of Cloudflare"),
    },
    value_options=_words(
        """-c --config -e --env --env-file --name --binding --namespace-id --command
        --file --message --tag --persist-to --port --ip --var --define --route
        --routes --outdir --assets --site --compatibility-date --database
        --preview-id --output"""
    ),
    flag_options=_words(
        """--local --remote --preview --json --yes -y --dry-run --minify --experimental
        --keep-vars"""
    ),
    scopes=(Scope("env", ("--env", "-e"), "the default environment"),),
    word_aliases={"ls": "list", "rm": "delete", "secrets": "secret"},
    colon_topics=True,
    version_flags=frozenset({"--version", "-v"}),
)

PLATFORMS: tuple[Platform, ...] = (
    RAILWAY,
    HEROKU,
    FLY,
    VERCEL,
    NETLIFY,
    RENDER,
    SUPABASE,
    NEON,
    PLANETSCALE,
    FIREBASE,
    WRANGLER,
)

_BY_PROGRAM: Mapping[str, Platform] = {program: p for p in PLATFORMS for program in p.programs}

PROGRAMS: frozenset[str] = frozenset(_BY_PROGRAM)

NPM_PACKAGES: Mapping[str, str] = {
    "@railway/cli": "railway",
    "heroku": "heroku",
    "vercel": "vercel",
    "netlify-cli": "netlify",
    "supabase": "supabase",
    "neonctl": "neonctl",
    "firebase-tools": "firebase",
    "wrangler": "wrangler",
    "@cloudflare/wrangler": "wrangler",
}


def _platform_for(cmd: SimpleCommand) -> tuple[Platform, str] | None:
    """The platform and the program name to show, also for `@railway/cli@latest`."""
    program = cmd.program
    platform = _BY_PROGRAM.get(program)
    if platform is not None:
        return platform, program
    if not cmd.argv:
        return None
    package = cmd.argv[0]
    at = package.rfind("@")
    if at > 0:
        package = package[:at]
    mapped = NPM_PACKAGES.get(package)
    if mapped is None:
        return None
    return _BY_PROGRAM[mapped], mapped


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    found = _platform_for(cmd)
    if found is None:
        return []
    platform, program = found
    outcome = _judge(platform, cmd, program)
    if outcome is None:
        return []
    return [
        finding(
            f"paas.{platform.name}-{outcome.kind.value}",
            cmd,
            outcome.message,
            target=outcome.target,
            grants=platform.grants,
        )
    ]
