"""System administration: power, services, processes, cron, firewall, kernel, mounts, accounts.

A coding agent has no business powering the machine off, flushing its
firewall, killing every process or wiping a crontab, so those are held. Killing
one process by PID (`kill 1234`, `kill $(lsof -t -i:3000)`) is everyday work and
stays allowed, even when the PID is only known at run time: the dangerous PIDs
(-1, every process; 1, init) are literal in practice. Killing by *name*
(`killall`, `pkill`) is held: the name matches processes the agent did not start.
Starting or restarting a service is allowed here but held on a remote host.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from agentsh.policy import lazyre
from agentsh.policy.argv import parse
from agentsh.policy.model import Context, Finding, SimpleCommand, finding

_Rule = Callable[[SimpleCommand], list[Finding]]


def _confirm(
    rule: str, cmd: SimpleCommand, message: str, target: str | None = None
) -> list[Finding]:
    return [finding(f"system.{rule}", cmd, message, target=target)]


def _listing(items: Sequence[str]) -> str:
    return ", ".join(items)


def _has_dynamic_argument(cmd: SimpleCommand) -> bool:
    return bool(cmd.dynamic - {0}) or cmd.extra_args_unknown


def _unknown_arguments(cmd: SimpleCommand, what: str) -> list[Finding]:
    return _confirm(
        "dynamic-arguments",
        cmd,
        f"{cmd.program} would {what} with arguments known only at run time",
    )


# ------------------------------------------------------------------------- power

_SYSTEM_BINARY_DIRS = ("/sbin/", "/usr/sbin/", "/bin/", "/usr/bin/", "/lib/systemd/")


def _is_system_binary(cmd: SimpleCommand) -> bool:
    """`init` is a common project script name; only the system's init changes runlevels."""
    word = cmd.argv[0]
    return "/" not in word or word.startswith(_SYSTEM_BINARY_DIRS)


def _shutdown(cmd: SimpleCommand) -> list[Finding]:
    """`-c` cancels, `-k` only warns logged-in users, `--show` shows what is scheduled."""
    opts = parse(cmd.args)
    if opts.has("c", "k", "--show", "--help"):
        return []
    if opts.has("r", "--reboot"):
        action = "reboot"
    elif opts.has("H", "--halt"):
        action = "halt"
    else:
        action = "power off"
    when = f" ({opts.positionals[0]})" if opts.positionals else ""
    return _confirm("power", cmd, f"shutdown would {action} this machine{when}")


_POWER_PROGRAMS = {"reboot": "reboot", "halt": "halt", "poweroff": "power off"}


def _power_program(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args)
    if opts.has("--help", "w", "--wtmp-only") or not _is_system_binary(cmd):
        return []
    action = "power off" if cmd.program == "halt" and opts.has("p", "--poweroff") else None
    action = action or _POWER_PROGRAMS[cmd.program]
    return _confirm("power", cmd, f"{cmd.program} would {action} this machine")


_RUNLEVELS = {
    "0": "power off this machine",
    "6": "reboot this machine",
    "1": "switch this machine to single-user mode, stopping every service",
    "s": "switch this machine to single-user mode, stopping every service",
    "single": "switch this machine to single-user mode, stopping every service",
    **{level: f"switch this machine to runlevel {level}" for level in "2345"},
}


def _init(cmd: SimpleCommand) -> list[Finding]:
    positionals = parse(cmd.args).positionals
    if not positionals or not _is_system_binary(cmd):
        return []
    level = positionals[0].lower()
    if level not in _RUNLEVELS:
        return []
    return _confirm("power", cmd, f"{cmd.program} {positionals[0]} would {_RUNLEVELS[level]}")


# ---------------------------------------------------------------------- services

_SYSTEMCTL_WITH_VALUE = frozenset(
    {
        "H", "--host", "M", "--machine", "t", "--type", "p", "--property", "s", "--signal",
        "--kill-whom", "--kill-who", "--kill-value", "--root", "--image", "--job-mode", "n",
        "--lines", "o", "--output", "--state", "--what", "--boot-loader-entry",
        "--boot-loader-menu", "--reboot-argument", "--timestamp", "--preset-mode",
        "--message", "--when", "--drop-in",
    }
)  # fmt: skip
_SYSTEMCTL_POWER = {
    "poweroff": "power off this machine",
    "reboot": "reboot this machine",
    "soft-reboot": "restart every service on this machine",
    "halt": "halt this machine",
    "kexec": "reboot this machine into a new kernel",
    "suspend": "suspend this machine",
    "hibernate": "hibernate this machine",
    "hybrid-sleep": "put this machine to sleep",
    "suspend-then-hibernate": "suspend this machine",
    "sleep": "put this machine to sleep",
    "rescue": "switch this machine to rescue mode, stopping most services",
    "emergency": "switch this machine to emergency mode, stopping every service",
    "default": "switch this machine to its default target",
    "isolate": "switch this machine to target {units}, stopping every other service",
}
_SYSTEMCTL_STOP = {
    "stop": "stop {units}",
    "disable": "disable {units}",
    "mask": "mask {units} so that nothing can start it",
    "kill": "send a signal to every process of {units}",
    "freeze": "freeze {units}",
}
_SYSTEMCTL_RESTART = frozenset(
    {
        "start", "restart", "try-restart", "reload", "reload-or-restart",
        "try-reload-or-restart", "condrestart", "force-reload", "enable", "reenable",
        "unmask", "daemon-reload", "daemon-reexec", "set-property", "edit", "revert",
        "link", "preset", "preset-all", "set-default", "thaw", "reset-failed",
    }
)  # fmt: skip


def _systemctl(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, _SYSTEMCTL_WITH_VALUE)
    if opts.has("h", "--help") or not opts.positionals:
        return []
    verb_index = opts.positional_indexes[0]
    if not cmd.is_static(verb_index + 1):
        return _unknown_arguments(cmd, "run a subcommand")
    verb, units = opts.positionals[0], opts.positionals[1:]
    named = _listing(units) or "?"
    host = opts.last("H", "--host")
    here = f" on {host}" if host else ""
    if verb in _SYSTEMCTL_POWER:
        action = _SYSTEMCTL_POWER[verb].format(units=named)
        if host:
            action = action.replace("this machine", host)
        target = host or _listing(units) or None
        return _confirm("power", cmd, f"systemctl {verb} would {action}", target)
    if verb in _SYSTEMCTL_STOP:
        action = _SYSTEMCTL_STOP[verb].format(units=named)
        if verb == "disable" and opts.has("--now"):
            action = f"stop and disable {named}"
        return _confirm(
            "service-stop", cmd, f"systemctl {verb} would {action}{here}", _listing(units) or None
        )
    if verb in _SYSTEMCTL_RESTART and (host or cmd.remote):
        return _confirm(
            "service-remote",
            cmd,
            f"systemctl {verb} would {verb} {named}{here}",
            _listing(units) or None,
        )
    return []


def _service(cmd: SimpleCommand) -> list[Finding]:
    """SysV `service NAME ACTION`."""
    positionals = parse(cmd.args).positionals
    if len(positionals) < 2:
        return []
    name, action = positionals[0], positionals[1]
    if action == "stop":
        return _confirm("service-stop", cmd, f"service {name} stop would stop {name}", name)
    if action in _SYSTEMCTL_RESTART and cmd.remote:
        return _confirm(
            "service-remote", cmd, f"service {name} {action} would {action} {name}", name
        )
    return []


_LAUNCHCTL = {
    "reboot": ("power", "reboot this machine"),
    "bootout": ("service-stop", "stop and unload {units}"),
    "unload": ("service-stop", "stop and unload {units}"),
    "remove": ("service-stop", "remove {units}"),
    "disable": ("service-stop", "disable {units}"),
    "kill": ("service-stop", "send a signal to {units}"),
    "stop": ("service-stop", "stop {units}"),
}


def _launchctl(cmd: SimpleCommand) -> list[Finding]:
    positionals = parse(cmd.args).positionals
    if not positionals or positionals[0] not in _LAUNCHCTL:
        return []
    rule, action = _LAUNCHCTL[positionals[0]]
    units = _listing(positionals[1:])
    text = action.format(units=units or "?")
    return _confirm(rule, cmd, f"launchctl {positionals[0]} would {text}", units or None)


# --------------------------------------------------------------------- processes

_SIGNAL_NAMES = frozenset(
    {
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1",
        "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CLD", "CONT", "STOP",
        "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
        "POLL", "PWR", "SYS", "EMT", "INFO", "LOST", "RTMIN", "RTMAX",
    }
)  # fmt: skip
_SIGNAL_NUMBERS = {"1": "HUP", "2": "INT", "3": "QUIT", "6": "ABRT", "9": "KILL", "15": "TERM"}
_SIGNAL_SHORTHAND = lazyre.compile(r"^-(?:SIG)?([A-Z][A-Z0-9]*(?:[+-]\d+)?|\d+)$")


def _signal_name(spec: str) -> str:
    """`9`, `KILL`, `SIGKILL`, `kill` -> `SIGKILL`; `0` stays `0` (only checks existence)."""
    spec = spec.upper().removeprefix("SIG")
    return "0" if spec == "0" else "SIG" + _SIGNAL_NUMBERS.get(spec, spec)


def _signal_shorthand(word: str) -> str | None:
    """The signal in killall/pkill's `-9`, `-KILL`, `-SIGTERM` form, if `word` is one."""
    match = _SIGNAL_SHORTHAND.match(word)
    if match is None:
        return None
    name = match.group(1)
    base = re.split(r"[+-]", name)[0]
    return name if name.isdigit() or base in _SIGNAL_NAMES else None


def _kill(cmd: SimpleCommand) -> list[Finding]:
    """Bash's and procps' kill: `kill [-s SIG | -n NUM | -SIG] [--] PID...`.

    Only the PIDs that mean "everything" are held: -1 (every process the user
    may signal) and 1 (init; in a container, the container itself).
    """
    args = list(cmd.args)
    if not args or args[0] in ("-l", "-L", "--list", "--table") or args[0].startswith("--list="):
        return []
    signal = "SIGTERM"
    if args[0] in ("-s", "-n", "--signal") and len(args) > 1:
        signal, args = _signal_name(args[1]), args[2:]
    elif args[0].startswith("--signal="):
        signal, args = _signal_name(args[0].partition("=")[2]), args[1:]
    elif args[0].startswith("-") and args[0] != "--" and len(args[0]) > 1:
        signal, args = _signal_name(args[0][1:]), args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if signal == "0":
        return []
    if "-1" in args:
        message = f"kill would send {signal} to every process you may signal"
        return _confirm("kill-everything", cmd, message, "-1")
    if "1" in args:
        message = f"kill would send {signal} to PID 1 (init), taking down the system or container"
        return _confirm("kill-everything", cmd, message, "1")
    return []


def _killall5(cmd: SimpleCommand) -> list[Finding]:
    signal = _signal_shorthand(cmd.args[0]) if cmd.args else None
    if signal is not None and _signal_name(signal) == "0":
        return []
    return _confirm("kill-everything", cmd, "killall5 would signal every process on the system")


_KILLALL_WITH_VALUE = frozenset(
    {
        "s", "--signal", "u", "--user", "o", "--older-than", "y", "--younger-than", "n",
        "--ns", "Z", "--context",
    }
)  # fmt: skip
_PKILL_WITH_VALUE = frozenset(
    {
        "g", "--pgroup", "G", "--group", "P", "--parent", "s", "--session", "t", "--terminal",
        "u", "--euid", "U", "--uid", "F", "--pidfile", "--ns", "--nslist", "--signal", "q",
        "--queue", "r", "--runstates", "c", "--cgroup",
    }
)  # fmt: skip


def _kill_by_name(cmd: SimpleCommand) -> list[Finding]:
    """killall and pkill: every process matching a name, a pattern or a user."""
    is_pkill = cmd.program == "pkill"
    shorthands = [s for s in map(_signal_shorthand, cmd.args) if s is not None]
    words = [w for w in cmd.args if _signal_shorthand(w) is None]
    opts = parse(words, _PKILL_WITH_VALUE if is_pkill else _KILLALL_WITH_VALUE)
    reads = ("V", "--version", "h", "--help") + (() if is_pkill else ("l", "--list"))
    if opts.has(*reads):
        return []
    signal_option = opts.last("--signal") if is_pkill else opts.last("s", "--signal")
    signal = _signal_name(signal_option or (shorthands[-1] if shorthands else "TERM"))
    if signal == "0":
        return []
    names, user = opts.positionals, opts.last("u", "--user", "--euid", "U", "--uid")
    if not names and not user:
        return [] if not _has_dynamic_argument(cmd) else _unknown_arguments(cmd, "kill processes")
    if opts.has("n", "--newest") and is_pkill:
        which = "the newest process"
    elif opts.has("o", "--oldest") and is_pkill:
        which = "the oldest process"
    else:
        which = "every process"
    if names:
        field = "command line" if opts.has("f", "--full") else "name"
        if is_pkill and opts.has("v", "--inverse"):
            matches = f"whose {field} does not match"
        elif is_pkill or opts.has("r", "--regexp") or field == "command line":
            matches = f"whose {field} matches"
        else:
            matches = "named"
        what = f"{which} {matches} {_listing(names)}"
        what += f" owned by {user}" if user else ""
    else:
        what = f"{which} of user {user}"
    return _confirm(
        "kill-by-name", cmd, f"{cmd.program} would send {signal} to {what}", _listing(names) or user
    )


# -------------------------------------------------------------------------- cron


def _crontab(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"u", "n", "c"})
    user = opts.last("u")
    whose = f"user {user}" if user else "the current user"
    if opts.has("l", "T", "V", "h", "--help", "--version") and not opts.has("r", "e"):
        return []
    if opts.has("r"):
        return _confirm("crontab", cmd, f"crontab -r would delete every cron job of {whose}", user)
    if opts.has("e"):
        return _confirm("crontab", cmd, f"crontab -e would edit the cron jobs of {whose}", user)
    source = opts.positionals[0] if opts.positionals else None
    if source is None and cmd.stdin.kind == "inherit":
        return []
    text = "the text on stdin" if source in (None, "-") else source
    return _confirm(
        "crontab", cmd, f"crontab would replace every cron job of {whose} with {text}", user
    )


# ---------------------------------------------------------------------- firewall

_IPTABLES_WITH_VALUE = frozenset(
    {
        "t", "--table", "j", "--jump", "s", "--source", "d", "--destination", "p",
        "--protocol", "i", "--in-interface", "o", "--out-interface", "g", "--goto", "m",
        "--match", "--dport", "--sport", "--dports", "--sports", "--to-destination",
        "--to-source", "--to-ports", "--to", "--state", "--ctstate", "--comment",
        "--set-mark", "--set-xmark", "--mark", "--log-prefix", "--log-level", "--reject-with",
        "--uid-owner", "--gid-owner", "--limit", "--limit-burst", "--icmp-type",
        "--icmpv6-type", "--tcp-flags", "--mac-source", "--src-range", "--dst-range",
        "--modprobe",
    }
)  # fmt: skip
_IPTABLES_READS = frozenset({"L", "--list", "S", "--list-rules", "C", "--check", "Z", "--zero"})
_IPTABLES_WRITES = {
    "F": "delete every rule in {chain} (table {table})",
    "--flush": "delete every rule in {chain} (table {table})",
    "X": "delete the user-defined chain {chain} (table {table})",
    "--delete-chain": "delete the user-defined chain {chain} (table {table})",
    "X all": "delete every user-defined chain (table {table})",
    "--delete-chain all": "delete every user-defined chain (table {table})",
    "F all": "delete every rule in every chain (table {table})",
    "--flush all": "delete every rule in every chain (table {table})",
    "P": "set the default policy of {chain} to {policy} (table {table})",
    "--policy": "set the default policy of {chain} to {policy} (table {table})",
    "A": "add a rule to {chain} (table {table})",
    "--append": "add a rule to {chain} (table {table})",
    "I": "insert a rule into {chain} (table {table})",
    "--insert": "insert a rule into {chain} (table {table})",
    "R": "replace a rule in {chain} (table {table})",
    "--replace": "replace a rule in {chain} (table {table})",
    "D": "delete a rule from {chain} (table {table})",
    "--delete": "delete a rule from {chain} (table {table})",
    "N": "create chain {chain} (table {table})",
    "--new-chain": "create chain {chain} (table {table})",
    "E": "rename chain {chain} (table {table})",
    "--rename-chain": "rename chain {chain} (table {table})",
}


def _iptables(cmd: SimpleCommand) -> list[Finding]:
    if _has_dynamic_argument(cmd):
        return _unknown_arguments(cmd, "change the firewall")
    opts = parse(cmd.args, _IPTABLES_WITH_VALUE)
    if opts.has("h", "--help", "V", "--version"):
        return []
    operation = next((name for name, _ in opts.options if name in _IPTABLES_WRITES), None)
    if operation is None:
        return []
    positionals = opts.positionals
    if not positionals and f"{operation} all" in _IPTABLES_WRITES:
        operation = f"{operation} all"
    action = _IPTABLES_WRITES[operation].format(
        chain=positionals[0] if positionals else "?",
        policy=positionals[1] if len(positionals) > 1 else "?",
        table=opts.last("t", "--table") or "filter",
    )
    return _confirm(
        "firewall", cmd, f"{cmd.program} would {action}", positionals[0] if positionals else None
    )


def _iptables_restore(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(
        cmd.args, {"M", "--modprobe", "T", "--table", "w", "--wait", "W", "--wait-interval"}
    )
    if opts.has("t", "--test", "h", "--help", "V", "--version"):
        return []
    source = opts.positionals[0] if opts.positionals else "stdin"
    keeps = " (adding to the current rules)" if opts.has("n", "--noflush") else ""
    return _confirm(
        "firewall",
        cmd,
        f"{cmd.program} would replace the firewall rules with those in {source}{keeps}",
        source,
    )


_NFT_READS = frozenset({"list", "describe", "monitor", "help"})


def _nft(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"f", "--file", "I", "--includepath", "D", "--define"})
    if opts.has("c", "--check", "h", "--help", "v", "--version"):
        return []
    source = opts.last("f", "--file")
    if source is not None:
        return _confirm(
            "firewall", cmd, f"nft -f would load the firewall rules in {source}", source
        )
    if opts.has("i", "--interactive"):
        return _confirm(
            "firewall", cmd, "nft -i would accept firewall commands typed at its prompt"
        )
    if _has_dynamic_argument(cmd):
        return _unknown_arguments(cmd, "change the firewall")
    commands = [c.split() for c in re.split(r"[;\n]", " ".join(opts.positionals)) if c.strip()]
    writes = [words for words in commands if words[0] not in _NFT_READS]
    if not writes:
        return []
    first = " ".join(writes[0])
    if writes[0][:2] == ["flush", "ruleset"]:
        return _confirm("firewall", cmd, "nft flush ruleset would delete every firewall rule")
    return _confirm("firewall", cmd, f"nft would change the firewall rules ({first})")


_UFW_ACTIONS = {
    "disable": "turn the firewall off",
    "reset": "delete every firewall rule and turn the firewall off",
    "enable": "turn the firewall on (which can cut off connections such as ssh)",
    "reload": "reload the firewall rules",
    "default": "change the default firewall policy",
    "logging": "change firewall logging",
}
_UFW_READS = frozenset({"status", "show", "version", "help", "app"})


def _ufw(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args)
    if not opts.positionals or opts.has("--dry-run", "--help", "h", "--version"):
        return []
    verb = opts.positionals[0]
    if verb in _UFW_READS and not (verb == "app" and opts.positionals[1:2] == ("update",)):
        return []
    action = _UFW_ACTIONS.get(verb, f"change the firewall rules ({' '.join(opts.positionals)})")
    return _confirm("firewall", cmd, f"ufw {verb} would {action}")


_FIREWALLD_READ_PREFIXES = (
    "--state", "--list-", "--get-", "--query-", "--info-", "--check-config", "--version",
    "--help", "--permanent", "--zone", "--policy", "--ipset", "--service", "--helper",
    "--icmptype", "--direct", "--timeout", "--quiet", "--debug", "--nofork", "--nopager",
)  # fmt: skip
"""Options that only look, or only qualify another option (`--permanent --zone=public`)."""
_FIREWALLD_ACTIONS = {
    "--panic-on": "drop every network packet (panic mode)",
    "--complete-reload": "reload the firewall and cut every connection",
    "--reload": "reload the firewall rules",
}


def _firewall_cmd(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args)
    writes = [
        name
        for name, _ in opts.options
        if name not in ("h", "V", "q") and not name.startswith(_FIREWALLD_READ_PREFIXES)
    ]
    if not writes:
        return []
    first = writes[0]
    value = opts.last(first)
    action = _FIREWALLD_ACTIONS.get(
        first, f"change the firewall ({first}{'=' + value if value else ''})"
    )
    return _confirm("firewall", cmd, f"firewall-cmd would {action}")


def _pfctl(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"F", "f", "a", "s", "k", "K", "t", "T", "x", "D", "p", "i", "o", "L"})
    if opts.has("n", "h"):
        return []
    if opts.has("d"):
        return _confirm("firewall", cmd, "pfctl -d would turn the firewall off")
    if opts.has("F"):
        what = opts.last("F") or "?"
        return _confirm("firewall", cmd, f"pfctl -F {what} would flush the firewall ({what})")
    if opts.has("f"):
        source = opts.last("f")
        return _confirm(
            "firewall", cmd, f"pfctl -f would load the firewall rules in {source}", source
        )
    if opts.has("e"):
        return _confirm("firewall", cmd, "pfctl -e would turn the firewall on")
    if opts.has("k", "K"):
        return _confirm("firewall", cmd, "pfctl would kill open firewall states (connections)")
    table_command = opts.last("T")
    if table_command and table_command not in ("show", "test"):
        table = opts.last("t") or "?"
        return _confirm(
            "firewall", cmd, f"pfctl -T {table_command} would change firewall table {table}", table
        )
    return []


# ------------------------------------------------------------ kernel and storage


def _sysctl(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"r", "--pattern"})
    if opts.has("h", "--help", "V", "--version"):
        return []
    if opts.has("--system"):
        return _confirm("kernel", cmd, "sysctl --system would load every kernel settings file")
    if opts.has("p", "--load"):
        source = opts.positionals[0] if opts.positionals else "/etc/sysctl.conf"
        return _confirm("kernel", cmd, f"sysctl would load kernel settings from {source}", source)
    settings = [p for p in opts.positionals if "=" in p or opts.has("w", "--write")]
    if not settings:
        return []
    return _confirm(
        "kernel", cmd, f"sysctl would set kernel settings {_listing(settings)}", _listing(settings)
    )


def _swapoff(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args)
    if opts.has("h", "--help", "V", "--version"):
        return []
    what = "all swap" if opts.has("a", "--all") else f"swap on {_listing(opts.positionals) or '?'}"
    return _confirm("kernel", cmd, f"swapoff would turn off {what}, which can exhaust memory")


_MODPROBE_READS = (
    "n", "--dry-run", "D", "--show-depends", "c", "--showconfig", "--show-config",
    "--dump-modversions", "V", "--version", "h", "--help", "R", "--resolve-alias",
)  # fmt: skip


def _kernel_module(cmd: SimpleCommand) -> list[Finding]:
    """modprobe/insmod load a module (its parameters follow the name); rmmod/-r unload them."""
    opts = parse(cmd.args, {"C", "--config", "d", "--dirname", "S", "--set-version"})
    if opts.has(*_MODPROBE_READS) or not opts.positionals:
        return []
    if cmd.program == "rmmod" or opts.has("r", "--remove"):
        modules = _listing(opts.positionals)
        return _confirm(
            "kernel", cmd, f"{cmd.program} would unload kernel module {modules}", modules
        )
    module = opts.positionals[0]
    return _confirm("kernel", cmd, f"{cmd.program} would load kernel module {module}", module)


_MOUNT_WITH_VALUE = frozenset(
    {
        "t", "--types", "o", "--options", "O", "--test-opts", "L", "--label", "U", "--uuid",
        "T", "--fstab", "N", "--namespace", "--source", "--target", "--target-prefix",
        "--options-mode", "--options-source", "--map-users", "--map-groups",
    }
)  # fmt: skip


def _mount(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, _MOUNT_WITH_VALUE)
    if opts.has("h", "--help", "V", "--version"):
        return []
    options = opts.last("o", "--options") or ""
    if opts.has("a", "--all"):
        return _confirm("mount", cmd, "mount -a would mount every filesystem listed in /etc/fstab")
    places = [
        *opts.positionals,
        *opts.values("--source", "--target", "L", "--label", "U", "--uuid"),
    ]
    if not places:
        return []
    if "remount" in options:
        return _confirm(
            "mount", cmd, f"mount would remount {_listing(places)} with {options}", places[-1]
        )
    return _confirm("mount", cmd, f"mount would mount {' on '.join(places[:2])}", places[-1])


def _umount(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"t", "--types", "O", "--test-opts", "N", "--namespace"})
    if opts.has("h", "--help", "V", "--version"):
        return []
    what = "every mounted filesystem" if opts.has("a", "--all") else _listing(opts.positionals)
    if not what:
        return []
    return _confirm("mount", cmd, f"umount would unmount {what}", what)


# ---------------------------------------------------------------------- accounts


def _account_change(action: str, with_value: frozenset[str] = frozenset()) -> _Rule:
    """A command that changes accounts; `action` may use {name} (the last positional) and {home}."""

    def rule(cmd: SimpleCommand) -> list[Finding]:
        opts = parse(cmd.args, _ACCOUNT_ROOT_OPTIONS | with_value)
        if opts.has("h", "--help"):
            return []
        name = opts.positionals[-1] if opts.positionals else None
        home = " and its home directory" if opts.has("r", "--remove", "--remove-home") else ""
        text = action.format(name=name or "?", home=home)
        return _confirm("accounts", cmd, f"{cmd.program} would {text}", name)

    return rule


_ACCOUNT_ROOT_OPTIONS = frozenset({"R", "--root", "P", "--prefix"})
_USERMOD_WITH_VALUE = frozenset(
    {
        "c", "--comment", "d", "--home", "e", "--expiredate", "f", "--inactive", "g",
        "--gid", "G", "--groups", "l", "--login", "p", "--password", "s", "--shell", "u",
        "--uid", "v", "--add-subuids", "V", "--del-subuids", "w", "--add-subgids", "W",
        "--del-subgids", "Z", "--selinux-user",
    }
)  # fmt: skip
_GPASSWD_WITH_VALUE = frozenset(
    {"a", "--add", "d", "--delete", "A", "--administrators", "M", "--members", "Q"}
)


def _passwd(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(
        cmd.args, {"r", "--repository", "R", "--root", "P", "--prefix", "n", "x", "w", "i"}
    )
    if opts.has("S", "--status", "a", "--all", "h", "--help"):
        return []
    user = opts.positionals[0] if opts.positionals else None
    whose = user or "the current user"
    if opts.has("l", "--lock"):
        action = f"lock the account of {whose}"
    elif opts.has("d", "--delete"):
        action = f"remove the password of {whose}"
    else:
        action = f"change the password of {whose}"
    return _confirm("accounts", cmd, f"passwd would {action}", user)


def _visudo(cmd: SimpleCommand) -> list[Finding]:
    opts = parse(cmd.args, {"f", "--file"})
    if opts.has("c", "--check", "h", "--help", "V", "--version"):
        return []
    policy = opts.last("f", "--file") or "/etc/sudoers"
    return _confirm("accounts", cmd, f"visudo would edit the sudo policy {policy}", policy)


# ---------------------------------------------------------------------- dispatch

_FIREWALL_PROGRAMS = ("iptables", "ip6tables", "arptables", "ebtables")
_FIREWALL_VARIANTS = ("", "-legacy", "-nft")
_RESTORE_PROGRAMS = ("iptables", "ip6tables")

_RULES: dict[str, _Rule] = {
    "shutdown": _shutdown,
    "reboot": _power_program,
    "halt": _power_program,
    "poweroff": _power_program,
    "init": _init,
    "telinit": _init,
    "systemctl": _systemctl,
    "service": _service,
    "launchctl": _launchctl,
    "kill": _kill,
    "killall": _kill_by_name,
    "pkill": _kill_by_name,
    "killall5": _killall5,
    "crontab": _crontab,
    **{f"{p}{v}": _iptables for p in _FIREWALL_PROGRAMS for v in _FIREWALL_VARIANTS},
    **{f"{p}{v}-restore": _iptables_restore for p in _RESTORE_PROGRAMS for v in _FIREWALL_VARIANTS},
    "nft": _nft,
    "ufw": _ufw,
    "firewall-cmd": _firewall_cmd,
    "pfctl": _pfctl,
    "sysctl": _sysctl,
    "swapoff": _swapoff,
    "modprobe": _kernel_module,
    "rmmod": _kernel_module,
    "insmod": _kernel_module,
    "mount": _mount,
    "umount": _umount,
    "userdel": _account_change("delete user {name}{home}"),
    "deluser": _account_change("delete user {name}{home}"),
    "groupdel": _account_change("delete group {name}"),
    "delgroup": _account_change("delete group {name}"),
    "usermod": _account_change("change the account {name}", _USERMOD_WITH_VALUE),
    "gpasswd": _account_change("change the members of group {name}", _GPASSWD_WITH_VALUE),
    "chpasswd": _account_change("change the passwords of the accounts listed on its input"),
    "passwd": _passwd,
    "visudo": _visudo,
}  # fmt: skip

PROGRAMS: frozenset[str] = frozenset(_RULES)


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    rule = _RULES.get(cmd.program)
    return rule(cmd) if rule is not None else []
