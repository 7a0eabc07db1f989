"""The GitHub stand-in's webhook payloads whole, as GitHub's published schemas require them
(``@octokit/webhooks-schemas``; checked in tests/contract/test_github_webhooks_contract.py): the
repository, the sender and every object a ``check_run``, ``status``, ``issue_comment`` or
``pull_request_review_comment`` delivery carries, with each field GitHub always sends (URLs on
GitHub's own hosts, as a delivery gives them; counts, settings and optional parts at their empty
values). What our code reads is the REST answer's (github_checks, github_views, github_comments)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from local.code_sandbox.github_state import Repo

JSON = dict[str, Any]
API, WEB = "https://api.github.com", "https://github.com"
EPOCH = "2026-01-01T00:00:00Z"  # when the stand-in's repositories, apps and people were made


def user(login: str, user_id: int = 1, kind: str = "") -> JSON:
    """A user (or bot, or organization) as a delivery names one (a bot's ``[bot]`` escaped in URLs, as
    GitHub's are)."""
    url = f"{API}/users/{quote(login, safe='')}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_sandbox{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{quote(login, safe='')}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind or ("Bot" if login.endswith("[bot]") else "User"),
        "site_admin": False,
    }


def of_user(given: JSON) -> JSON:
    """A REST answer's user (login, id, type) whole."""
    return user(str(given.get("login", "")), int(given.get("id") or 1), str(given.get("type") or ""))


_TEMPLATED = {
    "keys_url": "keys{/key_id}",
    "collaborators_url": "collaborators{/collaborator}",
    "issue_events_url": "issues/events{/number}",
    "assignees_url": "assignees{/user}",
    "branches_url": "branches{/branch}",
    "tags_url": "tags",
    "blobs_url": "git/blobs{/sha}",
    "git_tags_url": "git/tags{/sha}",
    "git_refs_url": "git/refs{/sha}",
    "trees_url": "git/trees{/sha}",
    "statuses_url": "statuses/{sha}",
    "languages_url": "languages",
    "stargazers_url": "stargazers",
    "contributors_url": "contributors",
    "subscribers_url": "subscribers",
    "subscription_url": "subscription",
    "commits_url": "commits{/sha}",
    "git_commits_url": "git/commits{/sha}",
    "comments_url": "comments{/number}",
    "issue_comment_url": "issues/comments{/number}",
    "contents_url": "contents/{+path}",
    "compare_url": "compare/{base}...{head}",
    "merges_url": "merges",
    "archive_url": "{archive_format}{/ref}",
    "downloads_url": "downloads",
    "issues_url": "issues{/number}",
    "pulls_url": "pulls{/number}",
    "milestones_url": "milestones{/number}",
    "notifications_url": "notifications{?since,all,participating}",
    "labels_url": "labels{/name}",
    "releases_url": "releases{/id}",
    "deployments_url": "deployments",
    "forks_url": "forks",
    "teams_url": "teams",
    "hooks_url": "hooks",
    "events_url": "events",
}


def repo_names(repo: Repo) -> JSON:
    """A repository's ids and names as every GitHub answer and delivery opens it (always private here)."""
    return {
        "id": repo.id,
        "node_id": f"R_sandbox{repo.id}",
        "name": repo.name,
        "full_name": repo.full_name,
        "private": True,
    }


def repository(repo: Repo) -> JSON:
    """The repository as a delivery carries it: every field of GitHub's ``repository``."""
    url = f"{API}/repos/{repo.full_name}"
    counts = (
        "size",
        "stargazers_count",
        "watchers_count",
        "forks_count",
        "open_issues_count",
        "forks",
        "watchers",
    )
    flags = ("has_issues", "has_projects", "has_downloads", "has_wiki", "has_pages")
    return {
        **repo_names(repo),
        "owner": user(repo.owner, 1, "Organization"),
        "html_url": f"{WEB}/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": url,
        **{name: f"{url}/{tail}" for name, tail in _TEMPLATED.items()},
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "pushed_at": EPOCH,
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"{WEB}/{repo.full_name}.git",
        "svn_url": f"{WEB}/{repo.full_name}",
        "homepage": None,
        **dict.fromkeys(counts, 0),
        "language": None,
        **dict.fromkeys(flags, True),
        "mirror_url": None,
        "archived": False,
        "open_issues": 0,
        "license": None,
        "default_branch": repo.default_branch,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private",
        "custom_properties": {},
    }


def app() -> JSON:
    """The stand-in's CI app, which makes the check runs."""
    return {
        "id": 900,
        "node_id": "A_sandbox900",
        "slug": "sandbox-ci",
        "owner": user("sandbox-org", 2, "Organization"),
        "name": "Sandbox CI",
        "description": "The code sandbox's check runner",
        "external_url": "https://sandbox-ci.example",
        "html_url": f"{WEB}/apps/sandbox-ci",
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }


def check_run(repo: Repo, rest: JSON) -> JSON:
    """A check run (its REST answer ``rest``) as a ``check_run`` delivery carries it."""
    url = f"{API}/repos/{repo.full_name}/check-runs/{rest['id']}"
    suite = rest["check_suite"]
    return rest | {
        "url": url,
        "details_url": rest["html_url"],
        "output": rest["output"] | {"annotations_url": f"{url}/annotations"},
        "app": app(),
        "check_suite": suite
        | {
            "status": rest["status"],
            "conclusion": rest["conclusion"],
            "url": f"{API}/repos/{repo.full_name}/check-suites/{suite['id']}",
            "before": None,
            "after": rest["head_sha"],
            "pull_requests": [],
            "app": app(),
            "created_at": rest["started_at"] or EPOCH,
            "updated_at": rest["completed_at"] or rest["started_at"] or EPOCH,
        },
    }


def commit(repo: Repo, sha: str) -> JSON:
    """A commit as a ``status`` delivery carries it (the stand-in's author: its CI's bot)."""
    url = f"{API}/repos/{repo.full_name}/commits/{sha}"
    person = {"name": "Sandbox", "email": "sandbox@example.com", "date": EPOCH}
    unsigned = {"verified": False, "reason": "unsigned", "signature": None, "payload": None}
    return {
        "sha": sha,
        "node_id": f"C_sandbox{sha[:12]}",
        "commit": {
            "author": person,
            "committer": person,
            "message": "",
            "tree": {"sha": sha, "url": f"{API}/repos/{repo.full_name}/git/trees/{sha}"},
            "url": f"{API}/repos/{repo.full_name}/git/commits/{sha}",
            "comment_count": 0,
            "verification": unsigned,
        },
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{url}/comments",
        "author": None,
        "committer": None,
        "parents": [],
    }


def branch(repo: Repo, name: str, sha: str) -> JSON:
    """A branch whose head is ``sha``, as a ``status`` delivery lists it."""
    return {
        "name": name,
        "commit": {"sha": sha, "url": f"{API}/repos/{repo.full_name}/commits/{sha}"},
        "protected": False,
    }


def reactions(url: str) -> JSON:
    """No reactions yet."""
    kinds = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
    return {"url": f"{url}/reactions", "total_count": 0, **dict.fromkeys(kinds, 0)}


def issue_comment(rest: JSON) -> JSON:
    """A conversation comment (its REST answer) as an ``issue_comment`` delivery carries it."""
    url = str(rest["issue_url"]).rsplit("/issues/", 1)[0] + f"/issues/comments/{rest['id']}"
    return rest | {
        "url": url,
        "user": of_user(rest["user"]),
        "performed_via_github_app": None,
        "reactions": reactions(url),
    }


def issue(repo: Repo, pull: JSON) -> JSON:
    """The pull request's issue (its REST answer ``pull``) as an ``issue_comment`` delivery carries it."""
    url = f"{API}/repos/{repo.full_name}/issues/{pull['number']}"
    return {
        "url": url,
        "repository_url": f"{API}/repos/{repo.full_name}",
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": pull["html_url"],
        "id": pull["id"],
        "node_id": f"I_sandbox{pull['id']}",
        "number": pull["number"],
        "title": pull["title"],
        "user": of_user(pull["user"]),
        "labels": [],
        "state": pull["state"],
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": 0,
        "created_at": pull["created_at"],
        "updated_at": pull["updated_at"],
        "closed_at": pull["closed_at"],
        "author_association": "OWNER",
        "active_lock_reason": None,
        "body": pull["body"],
        "reactions": reactions(url),
        "pull_request": {
            "url": pull["url"],
            "html_url": pull["html_url"],
            "diff_url": f"{pull['html_url']}.diff",
            "patch_url": f"{pull['html_url']}.patch",
            "merged_at": pull["merged_at"],
        },
    }


def _side(repo: Repo, side: JSON) -> JSON:
    return {
        "label": f"{repo.owner}:{side['ref']}",
        "ref": side["ref"],
        "sha": side["sha"],
        "user": user(repo.owner, 1, "Organization"),
        "repo": repository(repo),
    }


def _links(**hrefs: str) -> JSON:
    return {name: {"href": href} for name, href in hrefs.items()}


def pull_request(repo: Repo, rest: JSON) -> JSON:
    """A pull request (its REST answer) as a review comment's delivery carries it."""
    url, web = rest["url"], rest["html_url"]
    issue_url = f"{API}/repos/{repo.full_name}/issues/{rest['number']}"
    statuses = f"{API}/repos/{repo.full_name}/statuses/{rest['head']['sha']}"
    return rest | {
        "url": url,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "issue_url": issue_url,
        "user": of_user(rest["user"]),
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "labels": [],
        "milestone": None,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{API}/repos/{repo.full_name}/pulls/comments{{/number}}",
        "comments_url": f"{issue_url}/comments",
        "statuses_url": statuses,
        "head": _side(repo, rest["head"]),
        "base": _side(repo, rest["base"]),
        "_links": _links(
            self=url,
            html=web,
            issue=issue_url,
            comments=f"{issue_url}/comments",
            review_comments=f"{url}/comments",
            review_comment=f"{API}/repos/{repo.full_name}/pulls/comments{{/number}}",
            commits=f"{url}/commits",
            statuses=statuses,
        ),
        "author_association": "OWNER",
        "active_lock_reason": None,
    }


def review_comment(repo: Repo, rest: JSON, pull: JSON) -> JSON:
    """A comment on a line of the diff (its REST answer) as a ``pull_request_review_comment`` carries it."""
    url = f"{API}/repos/{repo.full_name}/pulls/comments/{rest['id']}"
    line = rest.get("line") or 1
    return rest | {
        "url": url,
        "pull_request_review_id": 800_000 + int(rest["id"]),
        "diff_hunk": rest.get("diff_hunk") or f"@@ -0,0 +1,{line} @@",
        "position": line,
        "original_position": line,
        "commit_id": pull["head"]["sha"],
        "original_commit_id": pull["head"]["sha"],
        "user": of_user(rest["user"]),
        "_links": _links(self=url, html=rest["html_url"], pull_request=rest["pull_request_url"]),
        "start_line": None,
        "original_start_line": None,
        "original_line": line,
        "line": line,
        "start_side": None,
        "side": "RIGHT",
        "reactions": reactions(url),
    }
