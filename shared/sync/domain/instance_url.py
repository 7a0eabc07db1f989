"""A GitLab instance's base URL as an owner gives it (gitlab.com or a self-managed instance), checked before
any request is made to it: ``https://host[:port][/path]``, no credentials, query or fragment. In production
the host and every address it resolves to must be public (not private, loopback, link-local, reserved or
multicast), so a connect cannot reach into our own network. The local stack (the GitLab sandbox on
127.0.0.1) may use http and loopback."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.platform.domain.addresses import all_public
from shared.platform.domain.addresses import ip_literal as _address

GITLAB_COM = "https://gitlab.com"
_HOST = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def normalise(raw: object, allow_local: bool) -> tuple[str, str] | str:
    """``(base_url, host)`` of a well-formed URL, or why it is refused (a person's sentence)."""
    if not isinstance(raw, str) or not 8 <= len(raw) <= 300:
        return "base_url: the GitLab instance's address, e.g. https://gitlab.example.com"
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return "base_url: not a URL"
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().strip("[]")
    path = parts.path.rstrip("/")
    literal = _address(host)
    problems = (
        (
            scheme != "https" and not (allow_local and scheme == "http"),
            "base_url: must start with https:// (GitLab's token is never sent in the clear)",
        ),
        (
            bool(parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc),
            "base_url: no user, password, query or fragment; only https://host[:port][/path]",
        ),
        (
            not _PATH.fullmatch(path) or path.endswith("/api/v4"),
            "base_url: the instance's address without /api/v4 (e.g. https://gitlab.example.com)",
        ),
        (
            literal is None and not _HOST.fullmatch(host),
            "base_url: the host is not a domain name or an address",
        ),
        (
            literal is not None and not allow_local and not literal.is_global,
            "base_url: a private, loopback or reserved address is refused; use the instance's public name",
        ),
    )
    for bad, reason in problems:
        if bad:
            return reason
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}{f':{port}' if port else ''}{path}", host


def public_problem(addresses: list[str], allow_local: bool) -> str:
    """Why a host resolving to ``addresses`` is refused ("" when each is public, or local is allowed)."""
    if not addresses:
        return "base_url: the host does not resolve to any address"
    if allow_local:
        return ""
    if not all_public(addresses):
        return "base_url: the host resolves to a private, loopback or reserved address; refused"
    return ""
