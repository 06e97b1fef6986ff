"""Parse a bash command line the way bash does, so agentsh can stand in for bash.

The result keeps what the inner bash must receive (options normalised so long
options come first, which bash requires, then the operands untouched) and what
agentsh itself needs to know (the command string, the script, the mode).
Unknown options are errors, never silently dropped.
"""

from __future__ import annotations

from agentsh.errors import UsageError
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal

    Mode = Literal["command", "script", "stdin", "version", "help"]

SHORT_FLAGS = frozenset("abefhkmnptuvxBCEHPTilrsDc")
"""bash's single-letter invocation options (set options plus -i -l -r -s -D -c)."""
LONG_FLAGS = frozenset(
    {
        "--login",
        "--norc",
        "--noprofile",
        "--posix",
        "--noediting",
        "--verbose",
        "--restricted",
        "--debugger",
        "--debug",
        "--pretty-print",
        "--dump-strings",
        "--dump-po-strings",
    }
)
LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})


@record
class Invocation:
    mode: Mode
    long_options: tuple[str, ...] = ()
    short_options: tuple[str, ...] = ()
    operands: tuple[str, ...] = ()
    """Non-option arguments in order: for -c the command string, $0, then $1…"""
    letters: frozenset[str] = frozenset()
    """Every single-letter option given with '-' (not '+')."""

    @property
    def command(self) -> str | None:
        return self.operands[0] if self.mode == "command" else None

    @property
    def script(self) -> str | None:
        return self.operands[0] if self.mode == "script" else None

    @property
    def rcfile(self) -> str | None:
        """The file given with --rcfile/--init-file, which an interactive bash sources."""
        for index, option in enumerate(self.long_options):
            if option in LONG_WITH_VALUE and index + 1 < len(self.long_options):
                return self.long_options[index + 1]
        return None

    @property
    def login(self) -> bool:
        return "l" in self.letters or "--login" in self.long_options

    @property
    def interactive(self) -> bool:
        return "i" in self.letters

    def named(self, name: str) -> Invocation:
        """`bash -c CMD` sets $0 to its own argv[0]; the inner bash is /bin/bash, so the
        name agentsh was started as is passed as -c's NAME operand instead."""
        return Invocation(
            self.mode, self.long_options, self.short_options, (*self.operands, name), self.letters
        )

    def bash_argv(self, bash: str) -> list[str]:
        operands = list(self.operands)
        separator = ["--"] if operands and operands[0].startswith(("-", "+")) else []
        return [bash, *self.long_options, *self.short_options, *separator, *operands]


def parse(argv: Sequence[str]) -> Invocation:
    """Parse `argv` (without the program name)."""
    long_options: list[str] = []
    short_options: list[str] = []
    letters: set[str] = set()
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("--", "-"):
            index += 1
            break
        if arg == "--version":
            return Invocation("version")
        if arg == "--help":
            return Invocation("help")
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if name in LONG_FLAGS and "=" not in arg:
                long_options.append(arg)
            elif name in LONG_WITH_VALUE:
                if "=" in arg:
                    long_options += [name, arg.split("=", 1)[1]]
                elif index + 1 < len(argv):
                    long_options += [arg, argv[index + 1]]
                    index += 1
                else:
                    raise UsageError(f"{arg}: option requires an argument")
            else:
                raise UsageError(f"{arg}: invalid option (run agentsh --help)")
            index += 1
            continue
        if len(arg) < 2 or arg[0] not in "-+":
            break
        sign, cluster = arg[0], arg[1:]
        short_options.append(arg)
        for letter in cluster:
            if letter in "oO":
                if index + 1 >= len(argv):
                    raise UsageError(f"{sign}{letter}: option requires an argument")
                index += 1
                short_options.append(argv[index])
            elif letter not in SHORT_FLAGS or (sign == "+" and letter in "cilsrD"):
                raise UsageError(f"{sign}{letter}: invalid option (run agentsh --help)")
            elif sign == "-":
                letters.add(letter)
        index += 1
    operands = tuple(argv[index:])
    if "c" in letters:
        if not operands:
            raise UsageError("-c: option requires an argument")
        mode: Mode = "command"
    elif "s" in letters or not operands:
        mode = "stdin"
    else:
        mode = "script"
    return Invocation(mode, tuple(long_options), tuple(short_options), operands, frozenset(letters))
