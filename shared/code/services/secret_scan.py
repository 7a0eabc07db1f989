"""The secret scan of a change (decisions 0095 and 0138): Yelp's ``detect-secrets``,
in process, with passes around it. Each place (a file's content, a file's path, the title, the
description, the commit message) is read as written, by every plugin and the default filters but the
allowlist comment. It is then joined (literals split across lines put back) and decoded (base64, hex),
and read by the plugins that know a key by its form. A finding is its kind, place and line, never the value; a file
whose path holds one is named by its number. The scanner's settings are globals: scans take turns."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import tempfile
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import transient_settings

from shared.code.domain.secret_findings import BODY, COMMIT, TITLE, SecretFinding

if TYPE_CHECKING:
    from shared.code.domain.code import CodeChange

_TEXT_FILES = {TITLE: "title.txt", BODY: "description.txt", COMMIT: "commit-message.txt"}
# The release's default filters but the allowlist comment (the model could write one itself).
_FILTERS = [
    {"path": f"detect_secrets.filters.heuristic.{name}"}
    for name in (
        "is_indirect_reference",
        "is_likely_id_string",
        "is_lock_file",
        "is_not_alphanumeric_string",
        "is_potential_uuid",
        "is_prefixed_with_dollar_sign",
        "is_sequential_string",
        "is_swagger_file",
        "is_templated_secret",
    )
]
# The plugins that know a secret by its form (a prefix, a structure): read on joined and decoded text.
_KEY_SHAPES = [
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
]
# Two literals joined by nothing, '+', '.', '..', '||' or '&' (Python, JS, Java, PHP, Lua, SQL, VB).
_JOINED_LITERALS = re.compile(r"""(["'`])\s*(?:\+|\.\.?|\|\||&)?\s*\1""")
_LINE_TAIL = "+\\.&| \t"  # what ends a line continued on the next (then its literal's quote)
_QUOTES = "\"'`"
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}){10,}")
_TOKEN_LINE = re.compile(r"\s*[\"'`]?([A-Za-z0-9+/_=-]{8,})[\"'`]?\s*[,+\\]?\s*")
_MIN_DECODED = 8
_DEPTH = 2  # base64 of hex, hex of base64
_lock = threading.Lock()
_SCANNED = 64  # changes whose findings a process keeps
_scanned: OrderedDict[str, tuple[SecretFinding, ...]] = OrderedDict()


class _Derived(NamedTuple):
    """A text read by the key-shape plugins: where it came from, how, and where each of its
    characters lies in its place (``starts``: the offset in ``text`` at which each line begins)."""

    place: str
    how: str  # "" (joined), "base64" or "hex"
    text: str
    starts: tuple[int, ...]  # offsets in ``text`` where the place's lines 2, 3, … begin
    first_line: int  # the place's line at offset 0

    def line_at(self, offset: int) -> int:
        return self.first_line + bisect_right(self.starts, offset)


def scan(files: Mapping[str, str], texts: Mapping[str, str] | None = None) -> list[SecretFinding]:
    """The secrets in ``files`` (relative path → content), in their paths, and in ``texts`` (a place's
    name → its text: ``policy.TITLE``, ``BODY``, ``COMMIT``), sorted by place and line. Paths
    are the change's checked ones (``shared.code.domain.code.check_path``). The same change is scanned
    once per process: its arguments are checked several times a step (the findings hold no value)."""
    texts = {k: v for k, v in (texts or {}).items() if v}
    key = hashlib.sha256(json.dumps([list(files.items()), sorted(texts.items())]).encode()).hexdigest()
    with _lock:
        if key in _scanned:
            _scanned.move_to_end(key)
            return list(_scanned[key])
        found = _scan(files, texts)
        _scanned[key] = tuple(found)
        while len(_scanned) > _SCANNED:
            _scanned.popitem(last=False)
    return found


def _scan(files: Mapping[str, str], texts: Mapping[str, str]) -> list[SecretFinding]:
    paths = list(files)
    with tempfile.TemporaryDirectory(prefix="scan-") as root:
        path_hits = set(_shaped(root, [d for n, p in enumerate(paths, 1) for d in _path_views(f"#{n}", p)]))
        hidden = {int(f.path[1:]) for f in path_hits}
        names = {p: (f"file {n} of the change" if n in hidden else p) for n, p in enumerate(paths, 1)}
        found = {SecretFinding(f.kind, f"the path of file {f.path[1:]} of the change", 0) for f in path_hits}
        places = {names[p]: c for p, c in files.items()} | dict(texts)
        found |= set(_as_written(root, files, names, texts))
        derived = [d for place, text in places.items() for d in _derivations(place, text)]
        found |= set(_shaped(root, derived))
    return sorted(found, key=lambda f: (f.path, f.line, f.kind))


def scan_change(change: CodeChange) -> list[SecretFinding]:
    """:func:`scan` of everything ``change`` would push: its files, their paths, the request's title
    and description, and its commit message."""
    texts = {TITLE: change.title, BODY: change.body, COMMIT: change.commit_message}
    return scan({f.path: f.content for f in change.files}, texts)


def _as_written(
    root: str, files: Mapping[str, str], names: Mapping[str, str], texts: Mapping[str, str]
) -> Iterator[SecretFinding]:
    """Every plugin and filter on each file at its path (a file named by number: under its own name,
    the filters read only its extension) and on each text as a text file."""
    written: dict[str, Path] = {}
    for n, (path, content) in enumerate(files.items(), 1):
        relative = path if names[path] == path else f"file-{n}{Path(path).suffix[:10]}"
        written[names[path]] = _write(Path(root, "tree", relative), content)
    for place, text in texts.items():
        written[place] = _write(Path(root, "texts", _TEXT_FILES.get(place, "text.txt")), text)
    classes: list[type] = list(get_mapping_from_secret_type_to_class().values())
    every = [{"name": plugin.__name__} for plugin in classes]
    with transient_settings({"plugins_used": every, "filters_used": _FILTERS}):
        found = [(place, secret) for place, where in written.items() for secret in scan_file(str(where))]
    for place, secret in found:
        yield SecretFinding(secret.type, place, int(secret.line_number))


def _write(where: Path, text: str) -> Path:
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(text, encoding="utf-8")
    return where


def _derivations(place: str, text: str) -> Iterator[_Derived]:
    """``text`` joined (split literals and continued lines put back), and every token of it (as
    written, joined, or a block of lines each one token) decoded."""
    joined = _joined(place, text)
    yield joined
    for n, line in enumerate(text.splitlines(), 1):
        yield from _decoded(place, line, n)
    yield from _decoded(joined.place, joined.text, 0, joined)
    for start, block in _token_blocks(text):
        yield from _decoded(place, block, start)


def _joined(place: str, text: str) -> _Derived:
    """Each line without what splits a literal or continues it (quotes, '+', '.', '\\'), the lines
    then put end to end: a key cut anywhere across them reads whole again."""
    pieces, starts, at = [], [], 0
    for n, line in enumerate(text.splitlines()):
        piece = _JOINED_LITERALS.sub("", line).strip().rstrip(_LINE_TAIL).rstrip(_QUOTES).lstrip("+.&| ")
        piece = piece.lstrip(_QUOTES)
        if n:
            starts.append(at)
        pieces.append(piece)
        at += len(piece)
    return _Derived(place, "", "".join(pieces), tuple(starts), 1)


def _token_blocks(text: str) -> Iterator[tuple[int, str]]:
    """Runs of two or more lines that are each one token (a value wrapped over lines), joined, with
    the line each run starts on."""
    run: list[str] = []
    for n, line in enumerate([*text.splitlines(), ""], 1):
        match = _TOKEN_LINE.fullmatch(line)
        if match:
            run.append(match[1])
            continue
        if len(run) > 1:
            yield n - len(run), "".join(run)
        run = []


def _path_views(place: str, path: str) -> Iterator[_Derived]:
    """A path as written, with its directories run together (a key cut across them), and each of
    its components and those run together decoded."""
    joined = path.replace("/", "")
    for text in (path, joined):
        yield _Derived(place, "", text, (), 0)
    for part in {*path.split("/"), joined}:
        yield from _decoded(place, part, 0)


def _decoded(
    place: str, text: str, line: int, within: _Derived | None = None, depth: int = 1
) -> Iterator[_Derived]:
    """Each base64 or hex token of ``text`` that decodes to printable text, as that text; each at
    ``line`` (or, ``within`` a joined text, the line of its place where the token starts)."""
    seen: set[str] = set()
    for pattern, how in ((_HEX, "hex"), (_BASE64, "base64")):
        for token in pattern.finditer(text):
            if token[0] in seen:
                continue
            seen.add(token[0])
            plain = _decode(token[0], how)
            if plain is None and "/" in token[0]:  # a word and a path before it ("see/…", "a.com/…")
                plain = next(filter(None, (_decode(p, how) for p in _tails(token[0]))), None)
            if plain is None:
                continue
            at = within.line_at(token.start()) if within is not None else line
            yield _Derived(place, how, plain, (), at)
            if depth < _DEPTH:
                for inner in _decoded(place, plain, at, None, depth + 1):
                    yield inner._replace(how=how)


def _tails(token: str) -> Iterator[str]:
    """What follows each '/' of ``token``, while it is long enough to hold a key."""
    at = token.find("/")
    while at != -1 and len(token) - at > 16:
        yield token[at + 1 :]
        at = token.find("/", at + 1)


def _decode(token: str, how: str) -> str | None:
    """``token`` decoded as ``how`` says, when that gives printable text; else None."""
    try:
        if how == "hex":
            raw = bytes.fromhex(token[: len(token) // 2 * 2])
        else:
            body = token.rstrip("=")
            altchars = b"-_" if ("-" in body or "_" in body) else b"+/"
            raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=altchars, validate=True)
        plain = raw.decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if len(plain) < _MIN_DECODED or not all(c.isprintable() or c in "\n\r\t" for c in plain):
        return None
    return plain


def _shaped(root: str, derived: list[_Derived]) -> Iterator[SecretFinding]:
    """The key-shape plugins on each derived text, one line of a scanned file each (a decoded text's
    own lines each one), without the file name's filters; a finding at the line of its place."""
    lines: list[tuple[_Derived, int]] = []  # each scanned line: its text and its offset in it
    written: list[str] = []
    for d in derived:
        offset = 0
        for part in d.text.split("\n"):
            lines.append((d, offset))
            written.append(part.replace("\r", " "))
            offset += len(part) + 1
    if not written:
        return
    where = _write(Path(tempfile.mkdtemp(prefix="derived-", dir=root), "derived.txt"), "\n".join(written))
    config = {"plugins_used": [{"name": name} for name in _KEY_SHAPES], "filters_used": _FILTERS}
    with transient_settings(config):
        found = list(scan_file(str(where)))
    for secret in found:
        d, offset = lines[int(secret.line_number) - 1]
        part = written[int(secret.line_number) - 1]
        value = secret.secret_value or ""
        at = part.find(value) if value else 0
        kind = f"{secret.type} ({d.how})" if d.how else secret.type
        yield SecretFinding(kind, d.place, d.line_at(offset + max(at, 0)) if d.how == "" else d.first_line)
