"""Whether a host or the addresses it resolves to are public. Every URL a person gives us (a GitLab
instance, a remote MCP server) is checked against it before a request goes there, so a connect
cannot reach into our own network. Private, loopback, link-local (the cloud's metadata server at
169.254.169.254), reserved and multicast addresses are not public, nor an IPv4 one mapped into IPv6."""

from __future__ import annotations

import ipaddress

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_literal(host: str) -> Address | None:
    """The address ``host`` is written as (an IPv6 zone dropped, a mapped IPv4 unwrapped), or None for
    a name."""
    try:
        address = ipaddress.ip_address(host.split("%", maxsplit=1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def all_public(addresses: list[str]) -> bool:
    """Whether every one of ``addresses`` is a public (global) address; an unreadable one is not."""
    for raw in addresses:
        address = ip_literal(raw)
        if address is None or not address.is_global:
            return False
    return True
