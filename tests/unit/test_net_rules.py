"""Which destinations the proxy allows: host patterns, ports, addresses, internal ranges."""

from __future__ import annotations

import ipaddress

import pytest

from agentsh import net
from agentsh.net.rules import ALLOW, DENY, UNLISTED, EntryError, HostRules, parse_entry
from agentsh.profile.model import NetworkSettings


def _rules(allow: tuple[str, ...] = (), deny: tuple[str, ...] = (), **hosts: str) -> HostRules:
    return HostRules.build(allow, deny, {k.replace("_", "."): v for k, v in hosts.items()})


@pytest.mark.parametrize(
    ("allow", "host", "port", "expected"),
    [
        (("api.example.com",), "api.example.com", 443, ALLOW),
        (("api.example.com",), "API.Example.com.", 443, ALLOW),
        (("api.example.com",), "example.com", 443, UNLISTED),
        (("*.example.com",), "a.b.example.com", 80, ALLOW),
        (("*.example.com",), "example.com", 80, UNLISTED),
        (("*.example.com",), "badexample.com", 80, UNLISTED),
        (("api.example.com:443",), "api.example.com", 443, ALLOW),
        (("api.example.com:443",), "api.example.com", 80, UNLISTED),
        ((), "10.0.0.5", 80, DENY),
        (("10.0.0.0/8",), "10.0.0.5", 80, ALLOW),
        (("10.0.0.5:5432",), "10.0.0.5", 5432, ALLOW),
        (("10.0.0.5:5432",), "10.0.0.5", 22, DENY),
        (("[2001:db8::1]",), "[2001:db8::1]", 443, ALLOW),
        ((), "2001:db8::1", 443, DENY),
    ],
)
def test_names_ports_and_literals(
    allow: tuple[str, ...], host: str, port: int, expected: str
) -> None:
    assert _rules(allow).judge_name(host, port)[0] == expected


def test_deny_wins_over_allow() -> None:
    rules = _rules(("*.example.com", "prod.example.com"), ("prod.example.com",))
    assert rules.judge_name("prod.example.com", 443) == (
        DENY,
        "prod.example.com is in network.deny",
    )
    assert rules.judge_name("dev.example.com", 443)[0] == ALLOW


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "0.0.0.0",
    ],
)
def test_an_allowed_name_cannot_lead_to_an_internal_address(address: str) -> None:
    allowed, reason = _rules(("api.example.com",)).address_allowed(
        "api.example.com", ipaddress.ip_address(address), 443
    )
    assert not allowed and "network.hosts" in reason


def test_metadata_addresses_are_named_as_such() -> None:
    _, reason = _rules(("x.test",)).address_allowed(
        "x.test", ipaddress.ip_address("169.254.169.254"), 80
    )
    assert "cloud metadata" in reason


def test_internal_addresses_pass_when_listed_or_pinned() -> None:
    listed = _rules(("db.corp", "10.0.0.0/8"))
    assert listed.address_allowed("db.corp", ipaddress.ip_address("10.2.3.4"), 5432)[0]
    pinned = _rules(("api.test",), api_test="127.0.0.1")
    assert pinned.pinned("API.test") == "127.0.0.1"
    assert pinned.address_allowed("api.test", ipaddress.ip_address("127.0.0.1"), 80)[0]
    assert _rules(("8.8.8.8",)).address_allowed("x", ipaddress.ip_address("93.184.216.34"), 80)[0]


@pytest.mark.parametrize(
    "text",
    ["", "*", "*.", "a..b", "exa mple.com", "host:0", "host:99999", "[::1", "10.0.0.0/33", "*.*.x"],
)
def test_bad_entries_are_errors(text: str) -> None:
    with pytest.raises(EntryError):
        parse_entry(text)


def test_the_plan_follows_the_mode() -> None:
    assert net.plan(NetworkSettings("open", allow=("x.com",))) is None
    assert net.plan(NetworkSettings("none")) is None
    forwards_only = net.plan(NetworkSettings("none", forward=("localhost:5432",)))
    assert forwards_only is not None and not forwards_only.proxy
    assert forwards_only.listen_addresses() == [("127.0.0.1", 5432)]
    granted = net.plan(NetworkSettings("none", allow=("ignored.com",)), grants=("api.railway.app",))
    assert granted is not None and granted.proxy
    assert granted.rules().judge_name("api.railway.app", 443)[0] == ALLOW
    assert granted.rules().judge_name("ignored.com", 443)[0] == UNLISTED
    clash = net.plan(NetworkSettings("allowlist", forward=("127.0.0.1:3128",)))
    assert clash is not None and clash.proxy_port == 3129


def test_the_proxy_variables_cover_the_common_clients() -> None:
    plan = net.plan(NetworkSettings("allowlist"))
    assert plan is not None
    values = net.environment(plan)
    for name in ("HTTP_PROXY", "https_proxy", "ALL_PROXY", "no_proxy", "npm_config_https_proxy"):
        assert name in values
    assert values["ALL_PROXY"].startswith("socks5h://")
    assert "ProxyCommand" in values["GIT_SSH_COMMAND"]
