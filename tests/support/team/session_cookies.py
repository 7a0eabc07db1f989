"""The session cookie as a browser keeps it: read from an answer's Set-Cookie headers."""

from collections.abc import Iterable
from http.cookies import Morsel, SimpleCookie


def cookie_set(headers: Iterable[str], name: str) -> "Morsel[str]":
    """The Set-Cookie of ``name`` among ``headers`` (an answer's, each one cookie); AssertionError if
    none sets it."""
    seen = list(headers)
    for header in seen:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    raise AssertionError(f"no Set-Cookie of {name} in {seen}")
