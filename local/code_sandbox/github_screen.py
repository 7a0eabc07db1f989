"""A pull request's page (its ``html_url``, ``GET /github/{owner}/{repo}/pull/{n}``) as a person sees it
on GitHub: its title, branches, changed files, description and conversation, with a form that posts a
comment as the login typed there (a collaborator with write access, as a reviewer is). The comment is
GitHub's "Create an issue comment" (``github_comments``): stored, answered to the API's list calls and
delivered as the same ``issue_comment`` webhook a call to the API makes."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

from flask import Request

from local.code_sandbox import github_comments as comments
from local.code_sandbox.github_state import Grant, Pull, not_found
from local.code_sandbox.github_views import Call

LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")  # GitHub's logins: 1-39 characters
MAX_BODY = 65_536  # GitHub's limit on a comment's body


class Html(str):
    """A page to answer as text/html."""


class Redirect(str):
    """Where to send the browser (303) after a form was taken."""


class Refused(Exception):
    """A form the page does not take: its status and the reason, in words."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _pull(call: Call) -> Pull:
    found = next((p for p in call.repo.pulls if p.number == int(call.params[0])), None)
    if found is None:
        raise not_found()
    return found


def page(call: Call, note: str = "", error: str = "", login: str = "") -> Html:
    """The pull request's page, with ``note`` (what was just done) or ``error`` (why a form was refused)."""
    pull = _pull(call)
    state = "merged" if pull.merged_at else pull.state
    head = call.repo.branch_head(pull.head) or pull.head_sha
    before = call.repo.files(call.repo.branch_head(pull.base) or pull.base_sha)
    after = call.repo.files(head)
    changed = sorted(p for p in after.keys() | before.keys() if before.get(p) != after.get(p))
    said = "".join(
        f"<li><strong>{escape(c.login)}</strong> commented: <p>{escape(c.body)}</p></li>"
        for c in pull.comments
    )
    title = f"#{pull.number} {escape(pull.title)}"
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body><main>",
        f"<h1>{title} ({state})</h1>",
        f"<p>{escape(pull.head)} → {escape(pull.base)} at <code>{head[:7]}</code> in {escape(call.repo.full_name)}</p>",
        "<h2>Files changed</h2><ul>" + "".join(f"<li>{escape(p)}</li>" for p in changed) + "</ul>",
        f"<h2>Description</h2><pre>{escape(pull.body)}</pre>",
        f"<h2>Conversation</h2><ul class=conversation>{said}</ul>"
        if said
        else "<h2>Conversation</h2><p>No comment yet.</p>",
        f"<p role=status>{escape(note)}</p>" if note else "",
        f"<p role=alert>{escape(error)}</p>" if error else "",
        "<form method=post><label>Your GitHub login <input name=login required maxlength=39 "
        f'value="{escape(login)}"></label><label>Comment <textarea name=body required></textarea></label>'
        "<button type=submit>Comment</button></form>",
        "</main></body></html>",
    ]
    return Html("\n".join(parts))


def comment(call: Call, request: Request) -> Redirect:
    """Post the form's comment as its login (write access: a collaborator), as "Create an issue
    comment" does; refused in words (Refused) from another site's page, without a valid login, or
    without words."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise Refused(403, "A form of another site may not comment here.")
    login, body = request.form.get("login", "").strip(), request.form.get("body", "")
    if not LOGIN.fullmatch(login):
        raise Refused(400, "Give your GitHub login: letters, digits and hyphens, at most 39.")
    if not body.strip() or len(body) > MAX_BODY:
        raise Refused(400, f"Write the comment: some words, at most {MAX_BODY} characters.")
    grant = Grant({call.repo.full_name.lower()}, "write", login)
    made = Call(call.state, call.repo, grant, call.root, call.web, {"body": body}, {}, call.params)
    comments.create_issue_comment(made)
    return Redirect(f"{request.path}?done=commented&login={login}")
