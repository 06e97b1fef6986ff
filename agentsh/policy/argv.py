"""Option parsing shared by the family modules.

CLIs spell options many ways (`-rf`, `-r -f`, `--recursive`, `-XDELETE`,
`--request=DELETE`, `--request DELETE`); rules must see through all of them, so
they ask this module instead of matching strings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from agentsh.records import field, record


@record
class ParsedArgs:
    options: tuple[tuple[str, str | None], ...] = ()
    """(name, value) in order; short names without dash (`r`), long with (`--recursive`)."""
    positionals: tuple[str, ...] = ()
    positional_indexes: tuple[int, ...] = field(default=(), compare=False)
    """Index into the original argument list of each positional."""

    def has(self, *names: str) -> bool:
        wanted = set(names)
        return any(name in wanted for name, _ in self.options)

    def values(self, *names: str) -> list[str]:
        wanted = set(names)
        return [value for name, value in self.options if name in wanted and value is not None]

    def last(self, *names: str) -> str | None:
        found = self.values(*names)
        return found[-1] if found else None


def parse(
    args: Iterable[str],
    with_value: Collection[str] = (),
    *,
    long_prefix_single_dash: bool = False,
    stop_at_first_positional: bool = False,
) -> ParsedArgs:
    """Split `args` into options and positionals.

    `with_value` names the options that take a value: short ones as a letter
    (`"X"`), long ones with their dashes (`"--request"`). A long option given
    as `--name=value` always carries its value. `long_prefix_single_dash`
    treats `-name` as a long option (find, java, terraform style).
    """
    options: list[tuple[str, str | None]] = []
    positionals: list[str] = []
    indexes: list[int] = []
    items = list(args)
    i = 0
    only_positionals = False
    while i < len(items):
        arg = items[i]
        if only_positionals or arg == "-" or not arg.startswith("-"):
            positionals.append(arg)
            indexes.append(i)
            if stop_at_first_positional:
                only_positionals = True
            i += 1
            continue
        if arg == "--":
            only_positionals = True
            i += 1
            continue
        if arg.startswith("--") or long_prefix_single_dash:
            name, eq, value = arg.partition("=")
            if name.startswith("-") and not name.startswith("--"):
                name = "-" + name
            if eq:
                options.append((name, value))
            elif name in with_value and i + 1 < len(items):
                options.append((name, items[i + 1]))
                i += 1
            else:
                options.append((name, None))
            i += 1
            continue
        letters = arg[1:]
        for pos, letter in enumerate(letters):
            if letter in with_value:
                rest = letters[pos + 1 :]
                if rest:
                    options.append((letter, rest))
                elif i + 1 < len(items):
                    options.append((letter, items[i + 1]))
                    i += 1
                else:
                    options.append((letter, None))
                break
            options.append((letter, None))
        i += 1
    return ParsedArgs(tuple(options), tuple(positionals), tuple(indexes))


HELP_FLAGS = frozenset({"-h", "--help"})


@record(frozen=False)
class KnownArgs:
    """A command line read against a CLI's known options (see `read_known`)."""

    positionals: list[tuple[int, str]] = field(default_factory=list)
    options: list[tuple[int, str, str | None]] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    """Indexes of options the CLI is not known to have: their arity, so what follows, is a guess."""
    help_at: list[int] = field(default_factory=list)
    version: bool = False
    """A version flag came before any positional (`fly --version`)."""

    def has(self, *names: str) -> bool:
        return any(name in names for _, name, _ in self.options)

    def value(self, *names: str) -> str | None:
        found = self.values(*names)
        return found[-1] if found else None

    def values(self, *names: str) -> list[str]:
        return [value for _, name, value in self.options if name in names and value]


def read_known(
    args: Sequence[str],
    with_value: Collection[str],
    flags: Collection[str],
    version_flags: Collection[str] = (),
) -> KnownArgs:
    """Options, positionals, and the options whose arity is unknown (so they can fail closed).

    Unlike `parse`, an option not in `with_value` or `flags` is recorded in
    `unknown` instead of being trusted to take no value.
    """
    line = KnownArgs()
    i = 0
    only_positionals = False
    while i < len(args):
        arg = args[i]
        if only_positionals or len(arg) < 2 or not arg.startswith("-"):
            line.positionals.append((i, arg))
        elif arg == "--":
            only_positionals = True
        elif arg in HELP_FLAGS:
            line.help_at.append(i)
            line.options.append((i, arg, None))
        elif arg in version_flags:
            line.version = line.version or not line.positionals
            line.options.append((i, arg, None))
        elif arg.startswith("--") and "=" in arg:
            name, _, value = arg.partition("=")
            line.options.append((i, name, value))
        elif arg in with_value:
            line.options.append((i, arg, args[i + 1] if i + 1 < len(args) else None))
            i += 1
        elif arg in flags:
            line.options.append((i, arg, None))
        elif not arg.startswith("--") and arg[:2] in with_value:
            line.options.append((i, arg[:2], arg[2:]))
        elif not arg.startswith("--") and all(f"-{c}" in flags for c in arg[1:]):
            line.options.extend((i, f"-{c}", None) for c in arg[1:])
        else:
            line.unknown.append(i)
            line.options.append((i, arg, None))
        i += 1
    return line
