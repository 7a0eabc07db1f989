"""/_sandbox/...: the JSON admin API tests and the local stack use to set up, provoke and inspect."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from local.code_sandbox import github_checks as checks
from local.code_sandbox.github_state import CheckConfig, Grant, Hook, Repo
from local.code_sandbox.gitstore import now
from local.code_sandbox.sandbox import SEED, CodeSandbox
from local.code_sandbox.slack_api import message_json
from local.code_sandbox.slack_state import REFUSALS, Channel, Token, User
from local.code_sandbox.vercel_api import deployment_json
from local.code_sandbox.vercel_state import GitLabLink
from local.code_sandbox.web import ApiError, json_body, json_response

JSON = dict[str, Any]


class AdminError(Exception):
    """A bad admin request: answered 400 (or 404) with {"error": message}."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _repo(sandbox: CodeSandbox, owner: str, name: str) -> Repo:
    repo = sandbox.github.find_repo(f"{owner}/{name}")
    if repo is None:
        raise AdminError(f"no repository {owner}/{name}", 404)
    return repo


def repo_state(repo: Repo) -> JSON:
    pulls = [
        {
            "number": p.number,
            "title": p.title,
            "body": p.body,
            "head": p.head,
            "base": p.base,
            "state": p.state,
            "merged": p.merged_at is not None,
            "head_sha": repo.branch_head(p.head) or p.head_sha,
            "draft": p.draft,
        }
        for p in repo.pulls
    ]
    branches = {ref.removeprefix("heads/"): sha for ref, sha in repo.refs.items() if ref.startswith("heads/")}
    return {
        "full_name": repo.full_name,
        "default_branch": repo.default_branch,
        "branches": branches,
        "commit_objects": len(repo.objects.commits),
        "pulls": pulls,
    }


def commits(repo: Repo, branch: str) -> list[JSON]:
    """The branch's first-parent history, newest first, each with the paths it changed."""
    head = repo.branch_head(branch)
    if head is None:
        raise AdminError(f"no branch {branch} in {repo.full_name}", 404)
    history = []
    for commit in repo.objects.first_parent_history(head):
        after = repo.objects.flatten(commit.tree)
        before = repo.objects.flatten(repo.commit(commit.parents[0]).tree) if commit.parents else {}
        changed = sorted(p for p in after.keys() | before.keys() if after.get(p) != before.get(p))
        history.append(
            {
                "sha": commit.sha,
                "message": commit.message,
                "parents": list(commit.parents),
                "changed": changed,
            }
        )
    return history


def create_repo(sandbox: CodeSandbox, body: JSON) -> JSON:
    full_name = str(body.get("full_name", ""))
    owner, _, name = full_name.partition("/")
    if not owner or not name or "/" in name:
        raise AdminError("full_name must be owner/name")
    if sandbox.github.find_repo(full_name) is not None:
        raise AdminError(f"{full_name} exists")
    files = {str(k): str(v) for k, v in (body.get("files") or {}).items()}
    executables = [str(p) for p in body.get("executables") or ()]
    if unknown := set(executables) - set(files):
        raise AdminError(f"executables must name files of the repository, not {sorted(unknown)}")
    repo = sandbox.github.create_repo(
        full_name, str(body.get("default_branch") or "main"), files, executables
    )
    if "tree_limit" in body:  # GitHub truncates a recursive tree past 100,000 entries; a test sets fewer
        repo.tree_limit = int(body["tree_limit"])
    return repo_state(repo)


def set_checks(repo: Repo, body: JSON) -> JSON:
    """The checks each pushed commit of ``repo`` runs (replacing any): ``{"checks": [{"name",
    "command": [argv...], "timeout_s", "kind": "check_run" | "status"}]}``."""
    items = body.get("checks")
    if not isinstance(items, list):
        raise AdminError("give checks: a list of {name, command, timeout_s, kind}")
    configs = []
    for item in items:
        command, kind = item.get("command"), item.get("kind", "check_run")
        if not item.get("name") or not isinstance(command, list) or kind not in ("check_run", "status"):
            raise AdminError("each check needs a name, a command (a list) and kind check_run or status")
        timeout = float(item.get("timeout_s", 60))
        configs.append(CheckConfig(str(item["name"]), [str(c) for c in command], timeout, kind))
    repo.checks = configs
    return {"checks": [c.name for c in configs]}


def add_hook(repo: Repo, body: JSON) -> JSON:
    """A webhook of ``repo``: ``{"url", "secret"}``; its check_run and status events go there."""
    url, secret = body.get("url"), body.get("secret")
    if not isinstance(url, str) or not url.startswith("http") or not isinstance(secret, str) or not secret:
        raise AdminError("give url (http...) and secret")
    repo.hooks.append(Hook(url, secret))
    return {"hooks": len(repo.hooks)}


def check_runs(repo: Repo, sha: str) -> list[JSON]:
    """Every check run and status of ``repo`` (of commit ``sha``, if given), oldest first."""
    return [
        checks.check_run_json(repo, r) | {"kind": r.kind} for r in repo.check_runs if sha in ("", r.head_sha)
    ]


def redeliver(sandbox: CodeSandbox, guid: str) -> JSON:
    """Send a delivery again, with its GUID and body, as GitHub's "Redeliver" does (in a thread)."""
    found = next((d for d in sandbox.github.deliveries if d.guid == guid), None)
    if found is None:
        raise AdminError(f"no delivery {guid}", 404)
    threading.Thread(target=checks.send, args=(sandbox.github, found), daemon=True).start()
    return checks.delivery_json(found)


def settle_pull(repo: Repo, number: int, body: JSON) -> JSON:
    """Close or merge a pull request by hand (merging moves the base to the head), maybe deleting its branch."""
    pull = next((p for p in repo.pulls if p.number == number), None)
    if pull is None:
        raise AdminError(f"no pull request #{number}", 404)
    pull.state, pull.closed_at = "closed", now()
    if body.get("merged"):
        pull.merged_at = pull.closed_at
        pull.head_sha = repo.branch_head(pull.head) or pull.head_sha
        repo.refs[f"heads/{pull.base}"] = pull.head_sha
    if body.get("delete_branch"):
        repo.refs.pop(f"heads/{pull.head}", None)
    return repo_state(repo)


def grant_github(sandbox: CodeSandbox, body: JSON) -> JSON:
    token, repositories = str(body.get("token") or ""), body.get("repositories") or []
    permission = str(body.get("permission", "write"))
    if not token or permission not in ("read", "write") or not isinstance(repositories, list):
        raise AdminError("give token, repositories (a list) and permission read or write")
    names = {str(r).lower() for r in repositories}
    sandbox.github.grants[token] = Grant(names, permission, str(body.get("login") or "sandbox-user"))
    return {"repositories": sorted(names), "permission": permission}


def grant_vercel(sandbox: CodeSandbox, body: JSON) -> JSON:
    token, projects = str(body.get("token") or ""), body.get("projects") or []
    if not token or not isinstance(projects, list):
        raise AdminError("give token and projects (a list of project names or ids)")
    found = [sandbox.vercel.find_project(str(p)) for p in projects]
    if any(p is None for p in found):
        raise AdminError(f"unknown project in {projects}", 404)
    sandbox.vercel.tokens[token] = {p.id for p in found if p is not None}
    return {"projects": sorted(sandbox.vercel.tokens[token])}


def create_project(sandbox: CodeSandbox, body: JSON) -> JSON:
    name, repository = str(body.get("name") or ""), str(body.get("repository") or "")
    if not name or "/" not in repository or sandbox.vercel.find_project(name) is not None:
        raise AdminError("give a new project name and repository owner/name")
    team_id = body.get("team_id")
    if team_id is not None and not (isinstance(team_id, str) and team_id.startswith("team_")):
        raise AdminError("team_id, when given, is a Vercel team id (team_...)")
    link = _gitlab_link(body.get("gitlab"))
    account = str(body.get("account") or "acme")
    project = sandbox.vercel.create_project(name, repository, account, team_id, gitlab=link)
    return {"id": project.id, "name": project.name, "repository": project.repository, "team_id": team_id}


def _gitlab_link(value: Any) -> GitLabLink | None:
    """A project linked to GitLab: ``{project_id, api_url, token}`` (None: linked to GitHub)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("project_id"), int):
        raise AdminError("gitlab, when given, is {project_id (a number), api_url, token}")
    return GitLabLink(
        int(value["project_id"]), str(value.get("api_url") or ""), str(value.get("token") or "")
    )


def set_builds(sandbox: CodeSandbox, body: JSON) -> JSON:
    builds = sandbox.vercel.builds
    builds.reads_to_ready = int(body.get("reads_to_ready", builds.reads_to_ready))
    builds.outcome = str(body.get("outcome", builds.outcome))
    builds.healthy = body.get("healthy", builds.healthy) is True
    if builds.reads_to_ready < 1 or builds.outcome not in ("READY", "ERROR", "CANCELED"):
        raise AdminError("reads_to_ready must be >= 1 and outcome READY, ERROR or CANCELED")
    return {"reads_to_ready": builds.reads_to_ready, "outcome": builds.outcome, "healthy": builds.healthy}


def deployments(sandbox: CodeSandbox) -> list[JSON]:
    return [deployment_json(d) | {"reads": d.reads} for d in sandbox.vercel.deployments]


def _slack_channel(sandbox: CodeSandbox, channel_id: str) -> Channel:
    channel = sandbox.slack.channels.get(channel_id)
    if channel is None:
        raise AdminError(f"no Slack channel {channel_id!r}", 404)
    return channel


def _slack_user(sandbox: CodeSandbox, name: str) -> User:
    user = sandbox.slack.user_named(name)
    if user is None:
        raise AdminError(f"no Slack user {name!r}", 404)
    return user


def add_slack_user(sandbox: CodeSandbox, body: JSON) -> JSON:
    """A person of the Slack team (``name``, ``email``), a member of ``channels`` (ids); their id."""
    name, email = str(body.get("name") or ""), str(body.get("email") or "")
    if not name or sandbox.slack.user_named(name) is not None:
        raise AdminError("a Slack user needs a name no other user has", 400)
    user = sandbox.slack.add_user(name, email=email)
    for channel_id in body.get("channels") or []:
        _slack_channel(sandbox, str(channel_id)).members.add(user.id)
    return {"id": user.id}


def slack_messages(sandbox: CodeSandbox, channel_id: str) -> list[JSON]:
    """The channel's messages, oldest first, each with its author's name."""
    state = sandbox.slack
    channel = _slack_channel(sandbox, channel_id)
    return [message_json(state, m) | {"user_name": m.user.name} for m in channel.messages]


def post_slack_messages(sandbox: CodeSandbox, body: JSON) -> JSON:
    """``texts`` posted in order to ``channel`` by ``user`` (default alice, a person), whatever the
    channel's state: history for tests to search. ``at`` (seconds since the epoch, in the past) stamps
    them from that time on, a microsecond apart, as if they had been posted then. ``metadata`` (an
    object, as chat.postMessage takes it) is each one's."""
    texts, at, metadata = body.get("texts"), body.get("at"), body.get("metadata")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise AdminError("give channel, texts (a list of strings), maybe user (a name) and at (a time)")
    if metadata is not None and not isinstance(metadata, dict):
        raise AdminError("metadata is an object: event_type and event_payload")
    if at is not None and (not isinstance(at, int | float) or isinstance(at, bool) or at > time.time()):
        raise AdminError("at is a time in the past, in seconds since the epoch")
    channel = _slack_channel(sandbox, str(body.get("channel") or ""))
    user = _slack_user(sandbox, str(body.get("user") or "alice"))
    if at is None:
        return {"ts": [sandbox.slack.post(channel, user, text, metadata).ts for text in texts]}
    start = round(at * 1_000_000)
    posted = [sandbox.slack.post_earlier(channel, user, t, start + i, metadata) for i, t in enumerate(texts)]
    return {"ts": [m.ts for m in posted]}


def set_slack_token(sandbox: CodeSandbox, body: JSON) -> JSON:
    """Register (or change) a token of ``user`` (default the bot) with ``scopes``; ``refused`` makes
    every call with it answer that error, as a revoked or expired token does."""
    token, refused = str(body.get("token") or ""), body.get("refused")
    scopes = body.get("scopes")
    if not token or refused not in (None, *REFUSALS) or not isinstance(scopes, list | None):
        raise AdminError(f"give token, maybe user, scopes (a list) and refused (one of {REFUSALS})")
    known = sandbox.slack.tokens.get(token) or Token(_slack_user(sandbox, SEED["slack_bot"]))
    user = _slack_user(sandbox, str(body["user"])) if body.get("user") else known.user
    grant = Token(user, known.scopes if scopes is None else frozenset(map(str, scopes)), refused)
    sandbox.slack.tokens[token] = grant
    return {"user": user.name, "scopes": sorted(grant.scopes), "refused": refused}


def set_slack_limits(sandbox: CodeSandbox, body: JSON) -> JSON:
    """How many messages a conversations.history page holds at most: Slack's 999, or 15 as for an app
    outside the Slack Marketplace since 2025."""
    state = sandbox.slack
    try:
        limit = int(body.get("history_max_limit", state.history_max_limit))
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= 999:
        raise AdminError("history_max_limit must be a number from 1 to 999")
    state.history_max_limit = limit
    return {"history_max_limit": limit}


def set_smtp_fault(sandbox: CodeSandbox, body: JSON) -> JSON:
    """The next ``times`` transactions meet ``kind`` at the end of DATA (smtp_state.FAULTS)."""
    try:
        pending = sandbox.smtp.inject(str(body.get("kind") or ""), int(body.get("times", 1)))
    except (TypeError, ValueError) as exc:
        raise AdminError(str(exc)) from None
    return {"pending": list(pending)}


def set_faults(sandbox: CodeSandbox, body: JSON) -> JSON:
    try:
        sandbox.faults.inject(body)
    except (TypeError, ValueError) as exc:
        raise AdminError(str(exc)) from None
    return {"pending": sandbox.faults.pending()}


def _discord_messages(sandbox: CodeSandbox, webhook_id: str) -> list[JSON]:
    webhook = sandbox.discord.webhooks.get(webhook_id)
    if webhook is None:
        raise AdminError(f"no Discord webhook {webhook_id}", 404)
    return list(webhook.messages)


def sent(sandbox: CodeSandbox) -> JSON:
    """Everything the stack sent a person, oldest first per channel: Slack messages of every channel
    (with its id and name), Discord messages of every webhook, and the mails the relay took."""
    slack = [
        {"channel": channel.id, "channel_name": channel.name, "messages": slack_messages(sandbox, channel.id)}
        for channel in sandbox.slack.channels.values()
        if channel.messages
    ]
    discord = [
        {"webhook": webhook_id, "messages": list(webhook.messages)}
        for webhook_id, webhook in sandbox.discord.webhooks.items()
        if webhook.messages
    ]
    return {"slack": slack, "discord": discord, "email": list(sandbox.smtp.messages)}


def _checks_routes(route: Callable[[str, list[str], Callable[..., Any]], None], sandbox: CodeSandbox) -> None:
    """The admin routes of GitHub's checks and webhook deliveries (github_checks)."""
    route(
        "/github/repos/<owner>/<name>/checks",
        ["POST"],
        lambda b, owner, name: set_checks(_repo(sandbox, owner, name), b),
    )
    route(
        "/github/repos/<owner>/<name>/hooks",
        ["POST"],
        lambda b, owner, name: add_hook(_repo(sandbox, owner, name), b),
    )
    route(
        "/github/repos/<owner>/<name>/check-runs",
        ["GET"],
        lambda _b, owner, name: check_runs(_repo(sandbox, owner, name), request.args.get("sha", "")),
    )
    route(
        "/github/deliveries",
        ["GET"],
        lambda _b: [checks.delivery_json(d) for d in sandbox.github.deliveries],
    )
    route("/github/deliveries/<guid>/redeliver", ["POST"], lambda _b, guid: redeliver(sandbox, guid))


def register_admin(app: Flask, sandbox: CodeSandbox) -> None:
    def route(rule: str, methods: list[str], fn: Callable[..., Any]) -> None:
        def wrapped(**kwargs: str) -> Response:
            invalid = ApiError(400, {"error": "invalid JSON"})
            try:
                body = json_body(request, invalid) if request.method in ("POST", "PATCH") else {}
                with sandbox.lock:
                    return json_response(fn(body, **kwargs))
            except AdminError as error:
                return json_response({"error": str(error)}, error.status)
            except ApiError as error:
                return json_response(error.body, error.status)

        app.add_url_rule("/_sandbox" + rule, f"admin {','.join(methods)} {rule}", wrapped, methods=methods)

    def reset(_body: JSON) -> JSON:
        sandbox.reset()
        return {"ok": True, "seed": SEED}

    def clear_faults(_body: JSON) -> JSON:
        sandbox.faults.clear()
        sandbox.smtp.faults.clear()
        return {"pending": []}

    def requests_log(_body: JSON) -> list[JSON]:
        since = int(request.args.get("since", 0))
        return [dict(r) for r in sandbox.requests if r["seq"] > since]

    def clear_requests(_body: JSON) -> JSON:
        sandbox.requests.clear()
        return {"ok": True}

    route("/health", ["GET"], lambda _b: {"ok": True, "seed": SEED, "smtp_port": sandbox.smtp_port})
    route("/reset", ["POST"], reset)
    route(
        "/discord/webhooks/<webhook_id>/messages",
        ["GET"],
        lambda _b, webhook_id: _discord_messages(sandbox, webhook_id),
    )
    route("/github/tokens", ["POST"], lambda b: grant_github(sandbox, b))
    route("/github/repos", ["POST"], lambda b: create_repo(sandbox, b))
    route(
        "/github/repos/<owner>/<name>",
        ["GET"],
        lambda _b, owner, name: repo_state(_repo(sandbox, owner, name)),
    )
    route(
        "/github/repos/<owner>/<name>/commits",
        ["GET"],
        lambda _b, owner, name: commits(_repo(sandbox, owner, name), request.args.get("branch", "")),
    )
    route(
        "/github/repos/<owner>/<name>/files",
        ["GET"],
        lambda _b, owner, name: _repo(sandbox, owner, name).files(request.args.get("ref", "")),
    )
    route(
        "/github/repos/<owner>/<name>/modes",
        ["GET"],
        lambda _b, owner, name: _repo(sandbox, owner, name).modes(request.args.get("ref", "")),
    )
    route(
        "/github/repos/<owner>/<name>/pulls/<int:number>",
        ["POST"],
        lambda b, owner, name, number: settle_pull(_repo(sandbox, owner, name), number, b),
    )
    _checks_routes(route, sandbox)
    route("/vercel/tokens", ["POST"], lambda b: grant_vercel(sandbox, b))
    route("/vercel/projects", ["POST"], lambda b: create_project(sandbox, b))
    route("/vercel/builds", ["POST"], lambda b: set_builds(sandbox, b))
    route("/vercel/deployments", ["GET"], lambda _b: deployments(sandbox))
    route(
        "/slack/messages",
        ["GET"],
        lambda _b: slack_messages(sandbox, request.args.get("channel", "")),
    )
    route("/slack/messages", ["POST"], lambda b: post_slack_messages(sandbox, b))
    route(  # chat.postEphemeral's: what each person alone was shown
        "/slack/ephemerals",
        ["GET"],
        lambda _b: [
            dict(zip(("channel", "user", "text", "ts"), e, strict=True)) for e in sandbox.slack.ephemerals
        ],
    )
    route("/slack/tokens", ["POST"], lambda b: set_slack_token(sandbox, b))
    route("/slack/users", ["POST"], lambda b: add_slack_user(sandbox, b))
    route("/slack/limits", ["POST"], lambda b: set_slack_limits(sandbox, b))
    route("/smtp/messages", ["GET"], lambda _b: list(sandbox.smtp.messages))
    route("/sent", ["GET"], lambda _b: sent(sandbox))
    route("/smtp/auth", ["GET"], lambda _b: list(sandbox.smtp.auth_attempts))
    route("/smtp/faults", ["GET"], lambda _b: {"pending": list(sandbox.smtp.faults)})
    route("/smtp/faults", ["POST"], lambda b: set_smtp_fault(sandbox, b))
    route("/faults", ["GET"], lambda _b: {"pending": sandbox.faults.pending()})
    route("/faults", ["POST"], lambda b: set_faults(sandbox, b))
    route("/faults", ["DELETE"], clear_faults)
    route("/requests", ["GET"], requests_log)
    route("/requests", ["DELETE"], clear_requests)
