"""GitHub's repository and pull request endpoints (docs.github.com/rest/repos, /rest/pulls/pulls)."""

from __future__ import annotations

import difflib

from local.code_sandbox.github_state import GitHubState, Pull, gh_error, invalid, not_found
from local.code_sandbox.github_views import JSON, Call, pull_json, repo_json
from local.code_sandbox.gitstore import Person, now


def get_repo(call: Call) -> tuple[JSON, int]:
    return repo_json(call), 200


def _matches(call: Call, pull: Pull) -> bool:
    state, head, base = call.args.get("state", "open"), call.args.get("head"), call.args.get("base")
    if state not in ("all", pull.state):
        return False
    if head and ":" in head:  # "owner:branch"; GitHub ignores a head filter without the owner
        owner, _, branch = head.partition(":")
        if owner.lower() != call.repo.owner.lower() or branch != pull.head:
            return False
    return not base or base == pull.base


def list_pulls(call: Call) -> tuple[list[JSON], int]:
    try:
        per_page = min(100, max(1, int(call.args.get("per_page", 30))))
        page = max(1, int(call.args.get("page", 1)))
    except ValueError:
        raise gh_error(422, "Invalid request: per_page and page must be integers") from None
    if call.args.get("state", "open") not in ("open", "closed", "all"):
        raise invalid("state is not valid", field="state", code="invalid")
    chosen = [p for p in call.repo.pulls if _matches(call, p)]
    chosen.sort(key=lambda p: p.number, reverse=call.args.get("direction", "desc") == "desc")
    window = chosen[(page - 1) * per_page : page * per_page]
    return [pull_json(call, p) for p in window], 200


def get_pull(call: Call) -> tuple[JSON, int]:
    number = int(call.params[0])
    for pull in call.repo.pulls:
        if pull.number == number:
            return {**pull_json(call, pull), "merged": pull.merged_at is not None}, 200
    raise not_found()


def create_pull(call: Call) -> tuple[JSON, int]:
    body, repo = call.body, call.repo
    title, head, base = body.get("title"), body.get("head"), body.get("base")
    if not isinstance(title, str) or not title.strip():
        raise invalid("title", field="title", code="missing_field")
    if not isinstance(base, str) or repo.branch_head(base) is None:
        raise invalid("base", field="base", code="invalid")
    owner, _, branch = str(head).rpartition(":")
    if not isinstance(head, str) or (owner and owner.lower() != repo.owner.lower()):
        raise invalid("head", field="head", code="invalid")
    head_sha, base_sha = repo.branch_head(branch), repo.branch_head(base)
    if head_sha is None or base_sha is None:
        raise invalid("head", field="head", code="invalid")
    if any(p.state == "open" and p.head == branch and p.base == base for p in repo.pulls):
        raise invalid(f"A pull request already exists for {repo.owner}:{branch}.")
    if repo.objects.is_ancestor(head_sha, base_sha):
        raise invalid(f"No commits between {base} and {branch}")
    number = max((p.number for p in repo.pulls), default=0) + 1
    text = body.get("body")
    pull = Pull(number, title, str(text or ""), branch, base, head_sha, base_sha, call.grant.login, now())
    pull.draft = body.get("draft") is True
    repo.pulls.append(pull)
    return pull_json(call, pull), 201


def update_pull(call: Call) -> tuple[JSON, int]:
    """PATCH /repos/{owner}/{repo}/pulls/{number}: its title, body or state (open or closed). A draft
    is not made ready here: GitHub does that through GraphQL (:func:`mark_ready`)."""
    pull = _pull(call, int(call.params[0]))
    body = call.body
    if "title" in body:
        if not isinstance(body["title"], str) or not body["title"].strip():
            raise invalid("title", field="title", code="missing_field")
        pull.title = body["title"]
    if "body" in body:
        pull.body = str(body["body"] or "")
    if body.get("state") in ("open", "closed") and pull.merged_at is None:
        pull.state = str(body["state"])
        pull.closed_at = now() if pull.state == "closed" else None
    return pull_json(call, pull), 200


def _pull(call: Call, number: int) -> Pull:
    for pull in call.repo.pulls:
        if pull.number == number:
            return pull
    raise not_found()


def mark_ready(state: GitHubState, token: str, query: str, variables: JSON) -> JSON:
    """GitHub's GraphQL ``markPullRequestReadyForReview(input: {pullRequestId})`` (docs.github.com/
    graphql/reference/mutations): the draft, found by its ``node_id``, becomes ready for review (one
    already ready stays so). Only that mutation is served; other documents answer GraphQL's errors."""
    if "markPullRequestReadyForReview" not in query:
        return {"errors": [{"message": "the sandbox serves only markPullRequestReadyForReview"}]}
    node = str((variables.get("input") or {}).get("pullRequestId") or variables.get("id") or "")
    grant = state.grants[token]
    for repo in state.repos.values():
        for pull in repo.pulls:
            if f"PR_sandbox{repo.id}_{pull.number}" != node:
                continue
            if repo.full_name.lower() not in grant.repositories:
                break
            if grant.permission != "write":
                return {
                    "errors": [
                        {"type": "FORBIDDEN", "message": "Resource not accessible by personal access token"}
                    ]
                }
            pull.draft = False
            payload = {"pullRequest": {"id": node, "isDraft": False, "number": pull.number}}
            return {"data": {"markPullRequestReadyForReview": payload}}
    message = f"Could not resolve to a node with the global id of '{node}'"
    return {
        "data": {"markPullRequestReadyForReview": None},
        "errors": [{"type": "NOT_FOUND", "message": message}],
    }


def _patch(before: str, after: str) -> str:
    """The hunks of a unified diff, as GitHub's ``patch`` field holds them (no file header lines)."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3)
    return "\n".join(line for line in lines if not line.startswith(("--- ", "+++ ")))


def list_files(call: Call) -> tuple[list[JSON], int]:
    """``GET .../pulls/{n}/files`` ("List pull requests files"): each file the head changes against
    the base the pull request started from (the merge base), with its status, counts and patch,
    paged as GitHub pages it (``per_page`` up to 100)."""
    pull = _pull(call, int(call.params[0]))
    try:
        per_page = min(100, max(1, int(call.args.get("per_page", 30))))
        page_no = max(1, int(call.args.get("page", 1)))
    except ValueError:
        raise gh_error(422, "Invalid request: per_page and page must be integers") from None
    before = call.repo.files(pull.base_sha)
    after = call.repo.files(call.repo.branch_head(pull.head) or pull.head_sha)
    out: list[JSON] = []
    for path in sorted(p for p in after.keys() | before.keys() if before.get(p) != after.get(p)):
        old, new = before.get(path), after.get(path)
        status = "added" if old is None else "removed" if new is None else "modified"
        patch = _patch(old or "", new or "")
        added = sum(1 for x in patch.splitlines() if x.startswith("+"))
        removed = sum(1 for x in patch.splitlines() if x.startswith("-"))
        item = {"sha": "0" * 40, "filename": path, "status": status, "additions": added}
        out.append(item | {"deletions": removed, "changes": added + removed, "patch": patch})
    return out[(page_no - 1) * per_page : page_no * per_page], 200


def merge_pull(call: Call) -> tuple[JSON, int]:
    """``PUT /repos/{o}/{r}/pulls/{n}/merge`` ("Merge a pull request"), squash only: one commit on the
    base with the head's tree. ``sha``, when given, must be the head (409 "Head branch was modified"
    otherwise). 405 "Pull Request is not mergeable" for one closed, merged, a draft, or whose base
    moved past its head's start (the sandbox makes no three-way merge); 422 for another method."""
    pull, repo, body = _pull(call, int(call.params[0])), call.repo, call.body
    method = body.get("merge_method", "merge")
    if method != "squash":
        raise gh_error(422, f"Invalid merge_method {method!r}: the sandbox merges by squash only")
    head = repo.branch_head(pull.head) or pull.head_sha
    base = repo.branch_head(pull.base)
    if pull.state != "open" or pull.draft or base is None or not repo.objects.is_ancestor(base, head):
        raise gh_error(405, "Pull Request is not mergeable")
    if body.get("sha") not in (None, head):
        raise gh_error(409, "Head branch was modified. Review and try the merge again.")
    title = str(body.get("commit_title") or f"{pull.title} (#{pull.number})")
    message = f"{title}\n\n{body.get('commit_message') or ''}".rstrip()
    who = Person(call.grant.login, f"{call.grant.login}@users.noreply.github.com", now())
    merged = repo.objects.put_commit(repo.commit(head).tree, [base], message, who, who)
    repo.refs[f"heads/{pull.base}"] = merged
    pull.state, pull.merged_at, pull.closed_at, pull.merge_sha = "closed", now(), now(), merged
    return {"sha": merged, "merged": True, "message": "Pull Request successfully merged"}, 200
