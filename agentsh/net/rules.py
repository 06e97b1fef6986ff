"""Which destinations the proxy lets a command reach: pure functions, no I/O.

Entries in `network.allow` and `network.deny`:

- `example.com`: that host exactly; `*.example.com`: its subdomains only;
- `10.1.2.3`, `[2001:db8::1]`, `10.0.0.0/8`: addresses (IP literals are
  refused unless an entry like these lists them);
- any of the above with `:port` to limit it to that port.

Deny wins over allow. A name that resolves to a loopback, private,
link-local, shared or cloud-metadata address is refused unless that address
is listed or the profile's `network.hosts` maps the name to it, so an allowed
name cannot be pointed at the internal network.
"""

from __future__ import annotations

import ipaddress

from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    Address = ipaddress.IPv4Address | ipaddress.IPv6Address
    Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW = "allow"
DENY = "deny"
UNLISTED = "unlisted"
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class EntryError(ValueError):
    pass


@record
class Entry:
    """One parsed allow/deny entry."""

    text: str
    host: str | None = None
    wildcard: bool = False
    network: Network | None = None
    port: int | None = None

    def matches_name(self, host: str, port: int) -> bool:
        if self.host is None or (self.port is not None and self.port != port):
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host

    def matches_address(self, address: Address, port: int) -> bool:
        if self.network is None or (self.port is not None and self.port != port):
            return False
        return address.version == self.network.version and address in self.network


def normalise_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def split_port(text: str) -> tuple[str, int | None]:
    """`host:443` -> (host, 443); `[::1]:443` -> (::1, 443); a bare IPv6 address has no port."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise EntryError(f"{text!r}: unclosed [")
        host, rest = text[1:end], text[end + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise EntryError(f"{text!r}: expected :port after ]")
        return host, _port(rest[1:], text)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, _port(port, text)
    return text, None


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise EntryError(f"{whole!r}: the port must be a number from 1 to 65535")
    return int(text)


def parse_address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_entry(text: str) -> Entry:
    if "/" in text:
        try:
            network = ipaddress.ip_network(text.strip("[]"), strict=False)
        except ValueError as exc:
            raise EntryError(f"{text!r} is not an address range like 10.0.0.0/8") from exc
        return Entry(text, network=network)
    host, port = split_port(text)
    address = parse_address(host)
    if address is not None:
        return Entry(text, network=ipaddress.ip_network(address), port=port)
    host = normalise_host(host)
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if not host or "*" in host or not all(part for part in host.split(".")):
        raise EntryError(f"{text!r} is not a host name like api.example.com or *.example.com")
    if any(not (c.isalnum() or c in "-_.") for c in host):
        raise EntryError(f"{text!r} has characters a host name cannot have")
    return Entry(text, host=host, wildcard=wildcard, port=port)


def check_entry(value: object) -> str | None:
    """A profile check: the problem with an allow/deny entry, or None."""
    try:
        parse_entry(str(value))
    except EntryError as exc:
        return str(exc)
    return None


@record
class HostRules:
    allow: tuple[Entry, ...] = ()
    deny: tuple[Entry, ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()
    """Names pinned to addresses by the profile (the proxy's resolver uses these first)."""

    @classmethod
    def build(
        cls, allow: Iterable[str], deny: Iterable[str], hosts: Mapping[str, str] | None = None
    ) -> HostRules:
        return cls(
            tuple(parse_entry(e) for e in allow),
            tuple(parse_entry(e) for e in deny),
            tuple((normalise_host(k), v) for k, v in (hosts or {}).items()),
        )

    def with_allowed(self, extra: Iterable[str]) -> HostRules:
        added = tuple(parse_entry(e) for e in extra)
        return HostRules(self.allow + added, self.deny, self.hosts)

    def pinned(self, host: str) -> str | None:
        host = normalise_host(host)
        for name, address in self.hosts:
            if name == host:
                return address
        return None

    def judge_name(self, host: str, port: int) -> tuple[str, str]:
        """allow, deny or unlisted for a destination as the client named it, and why."""
        host = normalise_host(host)
        address = parse_address(host.strip("[]"))
        if address is not None:
            if any(e.matches_address(address, port) for e in self.deny):
                return DENY, f"{host} is in network.deny"
            if any(e.matches_address(address, port) for e in self.allow):
                return ALLOW, f"{host} is in network.allow"
            return DENY, "connections to IP addresses are refused unless network.allow lists them"
        for entry in self.deny:
            if entry.matches_name(host, port):
                return DENY, f"{entry.text} is in network.deny"
        for entry in self.allow:
            if entry.matches_name(host, port):
                return ALLOW, f"{entry.text} is in network.allow"
        return UNLISTED, "it is not in network.allow"

    def address_allowed(self, host: str, address: Address, port: int) -> tuple[bool, str]:
        """May an allowed name connect to `address`? Internal ones only when listed or pinned."""
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(e.matches_address(address, port) for e in self.deny):
            return False, f"{address} is in network.deny"
        if is_internal(address):
            if any(e.matches_address(address, port) for e in self.allow):
                return True, ""
            if self.pinned(host) is not None:
                return True, ""
            kind = "a cloud metadata" if address in METADATA else "an internal"
            return False, (
                f"{host} resolves to {address}, {kind} address; list the address in "
                "network.allow or pin the name in network.hosts if that is intended"
            )
        return True, ""


def is_internal(address: Address) -> bool:
    return address in METADATA or not address.is_global
