"""Resolving a host name to its addresses, what a connect checks are public before a request goes to
a URL a person gave (shared.platform.domain.addresses)."""

import socket


def addresses(host: str, port: int = 443) -> list[str]:
    """The addresses ``host`` resolves to, sorted (none when it does not resolve)."""
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})
