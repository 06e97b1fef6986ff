"""Option parsing shared by the family modules.

CLIs spell options many ways (`-rf`, `-r -f`, `--recursive`, `-XDELETE`,
`--request=DELETE`, `--request DELETE`); rules must see through all of them, so
they ask this module instead of matching strings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

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
