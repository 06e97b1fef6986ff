"""A shell session whose every line runs in a fresh sandbox, with bash's state carried over.

bash keeps its state (working directory, variables, functions, aliases,
options) in its own process, and each line gets a new bash in a new sandbox.
So after a line, bash writes its state to a descriptor (`STATE_FD`, a memfd
the supervisor holds), and the next line's bash sources it back before
running. Nothing of this leaves the sandbox except through that memfd, and
what comes back in is only ever run inside the next sandbox.

The policy judges each line together with the definitions of the functions
and aliases it names, so `alias ls='rm -rf ~'` on one line cannot make a
later `ls` run unjudged.
"""

from __future__ import annotations

import re

STATE_FD = 6
"""Where the state memfd sits in the sandbox (after bwrap's status, stderr and seccomp fds)."""
STATE_PATH = f"/dev/fd/{STATE_FD}"
MAGIC = "AGENTSH-STATE-1"
MAX_STATE_BYTES = 16 << 20
"""A state larger than this (a runaway variable) is dropped rather than carried."""

BASH_OWN_VARIABLES = (
    "BASH|BASH_*|BASHOPTS|BASHPID|EUID|PPID|UID|GROUPS|SHELLOPTS|SHLVL|RANDOM|SRANDOM|"
    "SECONDS|LINENO|EPOCHREALTIME|EPOCHSECONDS|FUNCNAME|DIRSTACK|PIPESTATUS|HISTCMD|_|"
    "COLUMNS|LINES|OPTIND|OPTARG|PWD|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|COMP_*|"
    "__agentsh_*"
)
"""Variables bash sets for itself (several are read-only), never carried."""
SKIPPED_OPTIONS = frozenset(
    {"monitor", "history", "emacs", "vi", "login_shell", "restricted_shell"}
)
"""Options that only mean something to an interactive bash, or that bash refuses to set."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WORD_SPLIT = re.compile(r"[\s;&|()<>`\"'{}$=\\]+")

_DUMP = r"""
__agentsh_dump() {
    builtin local __agentsh_rc=$1 __agentsh_how=exit __agentsh_name __agentsh_prompt= __agentsh_ps2=
    [[ -n ${__agentsh_finished-} ]] && __agentsh_how=end
    builtin trap - EXIT
    if [[ $__agentsh_how == end ]]; then
        for __agentsh_name in "${PROMPT_COMMAND[@]}"; do
            (builtin exit "$__agentsh_rc"); builtin eval "$__agentsh_name"
        done
    fi
    if [[ -n ${PS1+set} ]]; then (builtin exit "$__agentsh_rc"); __agentsh_prompt=${PS1@P}; fi
    if [[ -n ${PS2+set} ]]; then __agentsh_ps2=${PS2@P}; fi
    {
        builtin printf '%s\0rc\0%s\0how\0%s\0cwd\0%s\0prompt\0%s\0ps2\0%s\0' \
            MAGIC "$__agentsh_rc" "$__agentsh_how" "$PWD" "$__agentsh_prompt" "$__agentsh_ps2"
        for __agentsh_name in $(builtin compgen -A function); do
            [[ $__agentsh_name == __agentsh_* ]] && continue
            builtin printf 'function\0%s\0' "$__agentsh_name"
            builtin declare -f -- "$__agentsh_name"
            builtin printf '\0'
        done
        for __agentsh_name in "${!BASH_ALIASES[@]}"; do
            builtin printf 'alias\0%s\0%s\0' "$__agentsh_name" "${BASH_ALIASES[$__agentsh_name]}"
        done
        builtin printf 'variables\0'
        for __agentsh_name in $(builtin compgen -v); do
            case $__agentsh_name in SKIPPED) continue ;; esac
            builtin declare -p -- "$__agentsh_name" 2>/dev/null
        done
        builtin printf '\0options\0'
        builtin set +o
        builtin shopt -p
        builtin printf '\0umask\0%s\0' "$(builtin umask)"
    } >STATE_PATH 2>/dev/null
}
builtin trap '__agentsh_dump "$?"' EXIT
"""


class ShellSession:
    """What one shell session carries from line to line (held by the host side)."""

    def __init__(self, cwd: str, project_root: str, tmp_dir: str, arguments: tuple[str, ...] = ()):
        self.cwd = cwd
        self.project_root = project_root
        self.tmp_dir = tmp_dir
        """Host directory that is /tmp for every line of this session."""
        self.restore = _positional(arguments)
        self.functions: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.status = 0
        self.exited = False
        """True once a line ran `exit` (or bash otherwise ended the shell)."""
        self.prompt: str | None = None
        """PS1 as the last line's bash expanded it, when PS1 is set."""
        self.continuation: str | None = None
        self.signalled: int | None = None
        """A signal agentsh passed on to the last command (SIGTERM, SIGHUP end the session)."""
        self.fixed_names: tuple[str, ...] = ()
        """Variables the sandbox sets for every line (TMPDIR, proxies): never carried."""

    def script(self, line: str) -> str:
        """The bash program for one line: restore, arm the state dump, run the line."""
        skipped = "|".join((BASH_OWN_VARIABLES, *(n for n in self.fixed_names if _NAME.match(n))))
        dump = (
            _DUMP.replace("MAGIC", MAGIC)
            .replace("SKIPPED", skipped)
            .replace("STATE_PATH", STATE_PATH)
        )
        return (
            f"builtin source {STATE_PATH}\n"
            "builtin shopt -s expand_aliases\n"
            f"{dump}\n"
            f"{self._previous_status()}"
            f"{line}\n"
            '__agentsh_status=$?; __agentsh_finished=1; builtin exit "$__agentsh_status"\n'
        )

    def _previous_status(self) -> str:
        """`$?` for the line: the status the previous line ended with."""
        return f"(builtin exit {self.status}) && :\n" if 0 < self.status < 256 else ""

    def state_bytes(self) -> bytes:
        return self.restore.encode("utf-8", "surrogateescape")

    def judged_text(self, line: str) -> str:
        """The line, preceded by the definitions of the functions and aliases it can reach."""
        wanted: list[str] = []
        pending = [line]
        seen: set[str] = set()
        while pending:
            words = set(_WORD_SPLIT.split(pending.pop()))
            for name in sorted(words & (self.functions.keys() | self.aliases.keys()) - seen):
                seen.add(name)
                body = self.functions.get(name)
                definition = body if body is not None else self.aliases[name]
                wanted.append(definition)
                pending.append(definition)
        return "\n".join([*wanted, line]) if wanted else line

    def absorb(self, dump: bytes) -> bool:
        """Take the state a line's bash wrote; False when it wrote none (killed, or trap reset)."""
        fields = dump.decode("utf-8", "surrogateescape").split("\0")
        if not fields or fields[0] != MAGIC:
            return False
        values: dict[str, str] = {}
        functions: dict[str, str] = {}
        aliases: dict[str, str] = {}
        index = 1
        while index + 1 < len(fields):
            key = fields[index]
            if key in ("function", "alias") and index + 2 < len(fields):
                target = functions if key == "function" else aliases
                target[fields[index + 1]] = fields[index + 2]
                index += 3
                continue
            values[key] = fields[index + 1]
            index += 2
        self.status = int(values["rc"]) if values.get("rc", "").isdigit() else 1
        self.exited = values.get("how") != "end"
        if values.get("cwd", "").startswith("/"):
            self.cwd = values["cwd"]
        self.prompt = values.get("prompt") if values.get("prompt") else None
        self.continuation = values.get("ps2") or None
        self.functions, self.aliases = functions, aliases
        self.restore = _restore_script(values, functions, aliases, self.fixed_names)
        return True

    def host_cwd(self) -> str:
        """The working directory as a host path (the session's /tmp is a host directory)."""
        in_project = self.cwd == self.project_root or self.cwd.startswith(
            self.project_root.rstrip("/") + "/"
        )
        if not in_project and (self.cwd == "/tmp" or self.cwd.startswith("/tmp/")):
            return self.tmp_dir + self.cwd[len("/tmp") :]
        return self.cwd


def _positional(arguments: tuple[str, ...]) -> str:
    if not arguments:
        return ""
    import shlex

    return f"builtin set -- {shlex.join(arguments)}\n"


def _restore_script(
    values: dict[str, str],
    functions: dict[str, str],
    aliases: dict[str, str],
    fixed_names: tuple[str, ...],
) -> str:
    """bash text that rebuilds the state: shopt options first (a function body may need
    extglob to parse), then the environment becomes exactly the carried variables (so an
    `unset` sticks), then definitions, and `set` options last (so `set -u` or `set -x`
    cannot trip on the restoring itself)."""
    import shlex

    keep = "|".join((BASH_OWN_VARIABLES, *(n for n in fixed_names if _NAME.match(n))))
    options = [
        line.split()
        for line in values.get("options", "").splitlines()
        if line.split() and line.split()[-1] not in SKIPPED_OPTIONS
    ]
    parts = [f"builtin {' '.join(words)}\n" for words in options if words[0] == "shopt"]
    parts += [
        "for __agentsh_name in $(builtin compgen -e); do case $__agentsh_name in "
        f'{keep}) ;; *) builtin unset -v -- "$__agentsh_name" ;; esac; done; '
        "builtin unset -v __agentsh_name\n",
        values.get("variables", ""),
    ]
    parts += [f"{body}\n" for body in functions.values()]
    parts += [f"builtin alias -- {shlex.quote(f'{n}={v}')}\n" for n, v in aliases.items()]
    parts += [f"builtin {' '.join(words)}\n" for words in options if words[0] == "set"]
    umask = values.get("umask", "")
    if umask.isdigit():
        parts.append(f"builtin umask {umask}\n")
    return "".join(parts)


def fixed_variable_names(environment: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(name for name in environment if _NAME.match(name)))
