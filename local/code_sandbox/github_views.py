"""One GitHub API call's context and the JSON GitHub answers for repositories, refs, commits, trees and
pull requests (the fields clients read, named as GitHub names them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local.code_sandbox.github_payloads import repo_names
from local.code_sandbox.github_state import GitHubState, Grant, Pull, Repo
from local.code_sandbox.gitstore import Commit, Entry

JSON = dict[str, Any]


@dataclass
class Call:
    state: GitHubState
    repo: Repo
    grant: Grant
    root: str  # the API root, e.g. http://127.0.0.1:PORT/github
    web: str  # where html_url links point
    body: JSON = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    params: tuple[str, ...] = ()

    @property
    def api(self) -> str:
        return f"{self.root}/repos/{self.repo.full_name}"


def user_json(login: str, user_id: int = 1) -> JSON:
    return {"login": login, "id": user_id, "type": "User", "site_admin": False}


def repo_json(call: Call) -> JSON:
    repo = call.repo
    write = call.grant.permission == "write"
    return {
        **repo_names(repo),
        "visibility": "private",
        "owner": {"login": repo.owner, "id": 1, "type": "Organization"},
        "html_url": f"{call.web}/{repo.full_name}",
        "url": call.api,
        "default_branch": repo.default_branch,
        "permissions": {"admin": False, "maintain": False, "push": write, "triage": write, "pull": True},
    }


def ref_json(call: Call, ref: str, sha: str) -> JSON:
    return {
        "ref": f"refs/{ref}",
        "node_id": f"REF_sandbox_{ref}",
        "url": f"{call.api}/git/refs/{ref}",
        "object": {"type": "commit", "sha": sha, "url": f"{call.api}/git/commits/{sha}"},
    }


def commit_json(call: Call, commit: Commit) -> JSON:
    return {
        "sha": commit.sha,
        "node_id": f"C_sandbox_{commit.sha[:12]}",
        "url": f"{call.api}/git/commits/{commit.sha}",
        "html_url": f"{call.web}/{call.repo.full_name}/commit/{commit.sha}",
        "author": commit.author.json(),
        "committer": commit.committer.json(),
        "message": commit.message,
        "tree": {"sha": commit.tree, "url": f"{call.api}/git/trees/{commit.tree}"},
        "parents": [
            {
                "sha": p,
                "url": f"{call.api}/git/commits/{p}",
                "html_url": f"{call.web}/{call.repo.full_name}/commit/{p}",
            }
            for p in commit.parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def entry_json(call: Call, path: str, entry: Entry) -> JSON:
    item: JSON = {"path": path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
    if entry.type == "blob":
        item["size"] = len(call.repo.objects.blobs[entry.sha])
        item["url"] = f"{call.api}/git/blobs/{entry.sha}"
    elif entry.type == "tree":
        item["url"] = f"{call.api}/git/trees/{entry.sha}"
    return item


def tree_json(call: Call, sha: str, recursive: bool = False) -> JSON:
    objects = call.repo.objects
    items: list[JSON] = []

    def walk(tree: str, prefix: str) -> None:
        for name, entry in sorted(objects.trees[tree].items()):
            items.append(entry_json(call, prefix + name, entry))
            if recursive and entry.type == "tree":
                walk(entry.sha, f"{prefix}{name}/")

    walk(sha, "")
    cut = len(items) > call.repo.tree_limit  # GitHub: "the number of items ... exceeded our maximum limit"
    shown = items[: call.repo.tree_limit]
    return {"sha": sha, "url": f"{call.api}/git/trees/{sha}", "tree": shown, "truncated": cut}


def _side(call: Call, branch: str, sha: str) -> JSON:
    owner = call.repo.owner
    return {
        "label": f"{owner}:{branch}",
        "ref": branch,
        "sha": sha,
        "user": {"login": owner, "id": 1, "type": "Organization"},
        "repo": {"id": call.repo.id, "name": call.repo.name, "full_name": call.repo.full_name},
    }


def pull_json(call: Call, pull: Pull) -> JSON:
    head_sha = call.repo.branch_head(pull.head) or pull.head_sha
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "url": f"{call.api}/pulls/{pull.number}",
        "id": 500_000 + pull.number,
        "node_id": f"PR_sandbox{call.repo.id}_{pull.number}",
        "html_url": f"{call.web}/{call.repo.full_name}/pull/{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "body": pull.body,
        "user": user_json(pull.user),
        "draft": pull.draft,
        "created_at": pull.created_at.strftime(stamp),
        "updated_at": pull.created_at.strftime(stamp),
        "closed_at": pull.closed_at.strftime(stamp) if pull.closed_at else None,
        "merged_at": pull.merged_at.strftime(stamp) if pull.merged_at else None,
        "merge_commit_sha": pull.merge_sha,
        "head": _side(call, pull.head, head_sha),
        "base": _side(call, pull.base, call.repo.branch_head(pull.base) or pull.base_sha),
    }
