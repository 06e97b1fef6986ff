"""Host names and addresses, shared by the families that judge network commands."""

from __future__ import annotations


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8, ::1 (and 0.0.0.0, which reaches this machine too)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if not host or not (host[0].isdigit() or ":" in host):
        return False
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified
