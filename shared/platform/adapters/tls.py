"""The certificates our HTTP clients (Notion, GitHub, Vercel, Slack, Discord) verify servers against.

httpx's default reads certifi's whole bundle, about 150 certificates and 20 ms, when each client is
built: at a cold start, inside the first request. The system's hashed CA directory is read lazily
instead: OpenSSL looks up the one issuer a handshake needs.
Why: docs/decisions/0040-the-system-s-ca-directory-read-lazily.md.
"""

import functools
import os
import ssl

# Debian's and Ubuntu's hashed CA directory (their ca-certificates package), Cloud Functions' base
# image among them, for when the interpreter's OpenSSL was built to look elsewhere
SYSTEM_CA_DIRECTORY = "/etc/ssl/certs"
# An entry of a hashed CA directory: the subject's hash, a dot, a sequence number ("5ad8a5d6.0")
_HEX = frozenset("0123456789abcdef")


def _hashed(name: str) -> bool:
    stem, dot, seq = name.partition(".")
    return len(stem) == 8 and set(stem) <= _HEX and dot == "." and seq.isdigit()


def has_hashed_entries(directory: str) -> bool:
    """Whether ``directory`` holds at least one certificate named by its subject's hash (what OpenSSL
    looks up in it); False when it does not exist or cannot be read."""
    try:
        with os.scandir(directory) as entries:
            return any(_hashed(entry.name) for entry in entries)
    except OSError:
        return False


def context() -> ssl.SSLContext:
    """A client context (the server's certificate required, its name checked). It trusts, in order:
    the file ``SSL_CERT_FILE`` names, when set, as OpenSSL would; a hashed CA directory, read per
    handshake (``SSL_CERT_DIR`` when set, else OpenSSL's default or :data:`SYSTEM_CA_DIRECTORY`);
    certifi's bundle, when there is none."""
    paths = ssl.get_default_verify_paths()
    if os.environ.get(paths.openssl_cafile_env):
        return ssl.create_default_context(cafile=os.environ[paths.openssl_cafile_env])
    chosen = os.environ.get(paths.openssl_capath_env)
    for directory in (paths.capath,) if chosen else (paths.capath, SYSTEM_CA_DIRECTORY):
        if directory and has_hashed_entries(directory):
            return ssl.create_default_context(capath=directory)
    from certifi import where as certifi_bundle  # httpx's own default

    return ssl.create_default_context(cafile=certifi_bundle())


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """:func:`context`, built once per instance and shared by its clients."""
    return context()
