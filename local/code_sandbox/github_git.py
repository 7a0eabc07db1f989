"""GitHub's git data endpoints: refs, commits, trees and blobs (docs.github.com/rest/git/...)."""

from __future__ import annotations

import base64

from local.code_sandbox import github_checks as checks
from local.code_sandbox.github_state import gh_error, not_found
from local.code_sandbox.github_views import JSON, Call, commit_json, ref_json, tree_json
from local.code_sandbox.gitstore import FILE_MODES, TREE_MODE, Entry, Person, now

_SHA_CHARS = set("0123456789abcdef")


def _is_sha(value: object) -> bool:
    return isinstance(value, str) and len(value) == 40 and set(value) <= _SHA_CHARS


def get_ref(call: Call) -> tuple[JSON, int]:
    ref = call.params[0]
    sha = call.repo.refs.get(ref)
    if sha is None:
        raise not_found()
    return ref_json(call, ref, sha), 200


def create_ref(call: Call) -> tuple[JSON, int]:
    ref, sha = call.body.get("ref"), call.body.get("sha")
    if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2 or ".." in ref:
        raise gh_error(422, "Reference name is invalid: it must start with 'refs/' and have two slashes")
    name = ref.removeprefix("refs/")
    if name in call.repo.refs:
        raise gh_error(422, "Reference already exists")
    if not _is_sha(sha) or sha not in call.repo.objects.commits:
        raise gh_error(422, "Object does not exist")
    call.repo.refs[name] = str(sha)
    _pushed(call, name, str(sha))
    return ref_json(call, name, str(sha)), 201


def update_ref(call: Call) -> tuple[JSON, int]:
    ref, sha = call.params[0], call.body.get("sha")
    current = call.repo.refs.get(ref)
    if current is None:
        raise gh_error(422, "Reference does not exist")
    if not _is_sha(sha) or sha not in call.repo.objects.commits:
        raise gh_error(422, "Object does not exist")
    if not call.body.get("force") and not call.repo.objects.is_ancestor(current, str(sha)):
        raise gh_error(422, "Update is not a fast forward")
    call.repo.refs[ref] = str(sha)
    _pushed(call, ref, str(sha))
    return ref_json(call, ref, str(sha)), 200


def _pushed(call: Call, ref: str, sha: str) -> None:
    """A branch moved: the repository's checks run on its new commit (github_checks)."""
    others = [head for name, head in call.repo.refs.items() if name != ref and name.startswith("heads/")]
    if ref.startswith("heads/") and sha not in others:  # a new branch at another's head: checked there
        checks.pushed(call.state, call.repo, sha, ref.removeprefix("heads/"))


def get_commit(call: Call) -> tuple[JSON, int]:
    return commit_json(call, call.repo.commit(call.params[0])), 200


def _person(value: object, fallback: Person) -> Person:
    if not isinstance(value, dict) or not value.get("name") or not value.get("email"):
        return fallback
    return Person(str(value["name"]), str(value["email"]), fallback.date)


def create_commit(call: Call) -> tuple[JSON, int]:
    body, objects = call.body, call.repo.objects
    message, tree, parents = body.get("message"), body.get("tree"), body.get("parents", [])
    if not isinstance(message, str) or not message:
        raise gh_error(422, 'Invalid request.\n\n"message" wasn\'t supplied.')
    if not _is_sha(tree) or tree not in objects.trees:
        raise gh_error(422, "Tree SHA does not exist")
    if not isinstance(parents, list) or any(not _is_sha(p) or p not in objects.commits for p in parents):
        raise gh_error(422, "Parent SHA does not exist or is not a commit object")
    login = call.grant.login
    default = Person(login, f"{login}@users.noreply.github.com", now())
    author = _person(body.get("author"), default)
    committer = _person(body.get("committer"), author)
    sha = objects.put_commit(str(tree), [str(p) for p in parents], message, author, committer)
    return commit_json(call, objects.commits[sha]), 201


def get_tree(call: Call) -> tuple[JSON, int]:
    sha = call.params[0]
    if sha not in call.repo.objects.trees:
        raise not_found()
    recursive = call.args.get("recursive", "") not in ("", "0", "false")
    return tree_json(call, sha, recursive), 200


def _bad_path(path: object) -> bool:
    if not isinstance(path, str) or not path or path.startswith("/") or path.endswith("/"):
        return True
    parts = path.split("/")
    return any(p in ("", ".", "..") for p in parts) or parts[0] == ".git"


def _apply(call: Call, files: dict[str, Entry], item: object) -> None:
    """One entry of ``tree`` applied to the flattened base tree."""
    objects = call.repo.objects
    if not isinstance(item, dict) or _bad_path(item.get("path")):
        raise gh_error(422, "tree.path contains a malformed path component")
    path, mode, kind = str(item["path"]), item.get("mode"), item.get("type")
    if kind not in ("blob", "tree", "commit") or mode not in (*FILE_MODES, TREE_MODE, "160000"):
        raise gh_error(422, "Invalid tree info: mode or type is not valid")
    if "content" in item and item.get("sha") is not None:
        raise gh_error(422, "Invalid tree info: give either sha or content")
    if "content" in item:
        files[path] = Entry(str(mode), "blob", objects.put_blob(str(item["content"]).encode("utf-8")))
    elif "sha" in item and item["sha"] is None:
        gone = [p for p in files if p == path or p.startswith(path + "/")]
        if not gone:
            raise gh_error(422, f"GitRPC::BadObjectState: {path} does not exist")
        for p in gone:
            del files[p]
    elif kind == "tree" and item.get("sha") in objects.trees:
        files.update({f"{path}/{p}": e for p, e in objects.flatten(str(item["sha"])).items()})
    elif kind == "blob" and item.get("sha") in objects.blobs:
        files[path] = Entry(str(mode), "blob", str(item["sha"]))
    else:
        raise gh_error(422, f"Invalid tree info: tree.sha {item.get('sha')} is not a valid {kind}")


def create_tree(call: Call) -> tuple[JSON, int]:
    objects, body = call.repo.objects, call.body
    base, entries = body.get("base_tree"), body.get("tree")
    if not isinstance(entries, list):
        raise gh_error(422, 'Invalid request.\n\n"tree" wasn\'t supplied.')
    if base is not None and base not in objects.trees:
        raise gh_error(422, "Invalid tree info: base_tree is not a valid tree oid")
    files = objects.flatten(str(base)) if base is not None else {}
    for item in entries:
        _apply(call, files, item)
    return tree_json(call, objects.build(files)), 201


def create_blob(call: Call) -> tuple[JSON, int]:
    content, encoding = call.body.get("content"), call.body.get("encoding", "utf-8")
    if not isinstance(content, str) or encoding not in ("utf-8", "base64"):
        raise gh_error(422, 'Invalid request.\n\n"content" wasn\'t supplied.')
    data = base64.b64decode(content) if encoding == "base64" else content.encode("utf-8")
    sha = call.repo.objects.put_blob(data)
    return {"url": f"{call.api}/git/blobs/{sha}", "sha": sha}, 201


def get_blob(call: Call) -> tuple[JSON, int]:
    data = call.repo.objects.blobs.get(call.params[0])
    if data is None:
        raise not_found()
    return {
        "sha": call.params[0],
        "size": len(data),
        "url": f"{call.api}/git/blobs/{call.params[0]}",
        "content": base64.b64encode(data).decode(),
        "encoding": "base64",
    }, 200
