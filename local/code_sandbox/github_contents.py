"""GitHub's "Get repository content" (docs.github.com/rest/repos/contents): a file as base64 with its
blob sha and links, a directory as an array of entries, 404 for a path that is nothing at ``ref``."""

from __future__ import annotations

import base64
from urllib.parse import quote

from local.code_sandbox.github_state import not_found
from local.code_sandbox.github_views import JSON, Call
from local.code_sandbox.gitstore import TREE_MODE, Entry

INLINE_BYTES = 1_000_000  # past 1 MB GitHub answers ``content: ""`` and ``encoding: "none"``


def _item(call: Call, ref: str, path: str, entry: Entry) -> JSON:
    """A directory listing's entry (no content), as GitHub names its fields."""
    kind = {"blob": "file", "tree": "dir", "commit": "submodule"}[entry.type]
    size = len(call.repo.objects.blobs[entry.sha]) if entry.type == "blob" else 0
    self_url = f"{call.api}/contents/{quote(path)}?ref={quote(ref, safe='')}"
    git_url = f"{call.api}/git/{'trees' if entry.type == 'tree' else 'blobs'}/{entry.sha}"
    html = f"{call.web}/{call.repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
    raw = f"{call.web}/raw/{call.repo.full_name}/{ref}/{path}" if kind == "file" else None
    return {
        "type": kind,
        "size": size,
        "name": path.rpartition("/")[2],
        "path": path,
        "sha": entry.sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html,
        "download_url": raw,
        "_links": {"self": self_url, "git": git_url, "html": html},
    }


def get_contents(call: Call) -> tuple[JSON | list[JSON], int]:
    """``GET /repos/{o}/{r}/contents/{path}?ref=``: ``ref`` a branch or a commit (default: the default
    branch). A file: its entry with ``content`` (base64, lines of 60 characters as GitHub sends it) and
    ``encoding: base64``, or past 1 MB ``content: ""`` and ``encoding: none``."""
    path = (call.params[0] if call.params else "").strip("/")
    ref = call.args.get("ref") or call.repo.default_branch
    sha = call.repo.branch_head(ref) or ref
    if sha not in call.repo.objects.commits:
        raise not_found()  # GitHub: 404 "No commit found for the ref ..."
    objects = call.repo.objects
    tree = objects.commits[sha].tree
    entry = Entry(TREE_MODE, "tree", tree)
    for part in path.split("/") if path else []:
        found = objects.trees[entry.sha].get(part) if entry.type == "tree" else None
        if found is None:
            raise not_found()
        entry = found
    if entry.type == "tree":
        listing = sorted(objects.trees[entry.sha].items())
        return [_item(call, ref, f"{path}/{name}" if path else name, e) for name, e in listing], 200
    item = _item(call, ref, path, entry)
    data = objects.blobs.get(entry.sha, b"")
    if len(data) > INLINE_BYTES:
        return item | {"content": "", "encoding": "none"}, 200
    encoded = base64.b64encode(data).decode()
    lines = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    return item | {"content": lines + "\n" if lines else "", "encoding": "base64"}, 200
