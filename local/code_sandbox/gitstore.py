"""Git objects (blobs, trees, commits) hashed as git hashes them, so equal content has equal SHAs.

Trees are kept as one level of entries each, like git's; :meth:`ObjectStore.flatten` and
:meth:`ObjectStore.build` convert between a tree and a ``{path: entry}`` map of its files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

TREE_MODE = "040000"
FILE_MODES = ("100644", "100755", "120000")


@dataclass(frozen=True)
class Entry:
    mode: str
    type: str  # blob | tree | commit (a submodule)
    sha: str


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: datetime

    def json(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "date": self.date.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def line(self) -> str:
        return f"{self.name} <{self.email}> {int(self.date.timestamp())} +0000"


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: Person
    committer: Person


def _hash(kind: str, payload: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload, usedforsecurity=False).hexdigest()


def _tree_payload(entries: dict[str, Entry]) -> bytes:
    # git sorts entries by name, a tree's name as if it ended with '/'
    def order(name: str) -> str:
        return name + "/" if entries[name].type == "tree" else name

    parts = []
    for name in sorted(entries, key=order):
        entry = entries[name]
        parts.append(f"{entry.mode.lstrip('0')} {name}".encode() + b"\0" + bytes.fromhex(entry.sha))
    return b"".join(parts)


@dataclass
class ObjectStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, Entry]] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)

    def put_blob(self, data: bytes) -> str:
        sha = _hash("blob", data)
        self.blobs[sha] = data
        return sha

    def put_tree(self, entries: dict[str, Entry]) -> str:
        sha = _hash("tree", _tree_payload(entries))
        self.trees[sha] = dict(entries)
        return sha

    def put_commit(
        self, tree: str, parents: list[str], message: str, author: Person, committer: Person
    ) -> str:
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        lines += [f"author {author.line()}", f"committer {committer.line()}", "", message]
        sha = _hash("commit", "\n".join(lines).encode())
        self.commits[sha] = Commit(sha, tree, tuple(parents), message, author, committer)
        return sha

    def flatten(self, tree: str, prefix: str = "") -> dict[str, Entry]:
        """Every non-tree entry under ``tree``, by path."""
        files: dict[str, Entry] = {}
        for name, entry in self.trees[tree].items():
            if entry.type == "tree":
                files.update(self.flatten(entry.sha, f"{prefix}{name}/"))
            else:
                files[prefix + name] = entry
        return files

    def build(self, files: dict[str, Entry]) -> str:
        """The tree holding exactly ``files`` (paths with '/' become subtrees)."""
        here: dict[str, Entry] = {}
        nested: dict[str, dict[str, Entry]] = {}
        for path, entry in files.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = entry
            else:
                here[head] = entry
        for name, children in nested.items():
            here[name] = Entry(TREE_MODE, "tree", self.build(children))
        return self.put_tree(here)

    def first_parent_history(self, sha: str) -> list[Commit]:
        """``sha`` and its first parents, newest first."""
        history: list[Commit] = []
        current: str | None = sha
        while current is not None:
            commit = self.commits[current]
            history.append(commit)
            current = commit.parents[0] if commit.parents else None
        return history

    def is_ancestor(self, ancestor: str, sha: str) -> bool:
        pending, seen = [sha], set()
        while pending:
            current = pending.pop()
            if current == ancestor:
                return True
            if current not in seen:
                seen.add(current)
                pending.extend(self.commits[current].parents)
        return False


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
