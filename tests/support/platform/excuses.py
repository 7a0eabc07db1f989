"""Which 400s schemathesis' positive_data_acceptance may meet (docs/decisions/0076, 0078): a rule no
schema of the body states, named by its field and words, each counted where it is met."""

import json
from typing import Any

from schemathesis.openapi.checks import RejectedPositiveData

# What positive_data_acceptance may meet here: a 400 naming one field for a rule its schema cannot
# state, by the field and the words of its problem (docs/decisions/0076).
EXCUSES = {
    "cursor": "",  # opaque: only the api knows which it gave (or Notion refused)
    "q": "a search",  # two or more letters or digits, at most five words
    "until": "later than since",  # a range in order
}
SURROGATE = "unable to parse raw data as a unicode string"  # a lone surrogate, which no UTF-8 text holds
# By operation: a 400 for a rule between fields or on the workspace's state, which no schema of its body
# states, as (the field, or a prefix ending in "."; words of its problem, or else of the reason). A
# token its integration's service refused, or a Discord token that is no webhook URL (the path's rule).
TOKEN_REFUSED = ("refused this token", "cannot be used with this token", "a Discord webhook URL looks like")
# Rules by a data source's id: one the workspace's Notion cannot read to check rules naming properties
# (generated ids name none), or one source in two spellings (hyphens, case).
TRIGGERS = (("triggers.", "could not be read from Notion to check its rules"), ("triggers.", "twice"))
BY_OPERATION: dict[str, tuple[tuple[str, str], ...]] = {
    # the workspace's name, which only the workspace knows: any other is refused, nothing erased
    "POST /workspace/erase": (("confirm", "type the workspace's name"),),
    "PUT /integrations/{name}": tuple(("token", words) for words in TOKEN_REFUSED),
    # a key Linear refused, or a team it does not show that key (only Linear knows either)
    "PUT /sync/linear": (
        ("api_key", "Linear refused this key"),
        ("api_key", "cannot be used with this key"),
        ("team_id", "sees no Linear team of that id"),
    ),
    # a self-managed instance's address: a URL's whole grammar (no user, query or fragment, not the
    # API's path), a host that resolves to public addresses only and a GitLab that answers there; the
    # schema states its https prefix, DNS and the network the rest. Every such refusal names base_url.
    # And a token GitLab refused, or a project it does not show that token (only GitLab knows either).
    "PUT /sync/gitlab": (
        ("base_url", "base_url: "),
        ("access_token", "revoked, expired or mistyped"),
        ("project", "sees no GitLab project of that id or path"),
    ),
    # a key Motion refused, or a workspace it does not show that key (only Motion knows either)
    "PUT /sync/motion": (
        ("api_key", "Motion refused this key"),
        ("api_key", "cannot be used with this key"),
        ("workspace_id", "sees no Motion workspace of that id"),
    ),
    # the signed state of Linear's or GitLab's connect, which only the api issues (opaque, as a cursor):
    # one forged, expired or used, or none, is refused with "start again" (decision 0125)
    **{f"GET /sync/{tool}/oauth/callback": (("state", "start"),) for tool in ("linear", "gitlab")},
    # the same of Slack's install (decision 0182): refused with "add Slack again"
    "GET /slack/oauth/callback": (("state", "add Slack again"),),
    # the same of Connect Google (decision 0181): refused with "connect Google again"
    "GET /google/oauth/callback": (("state", "connect Google again"),),
    # a page Notion does not show the workspace (a dry run's): only Notion knows
    "POST /agents/{agent_id}/dry-run": (("page_id", "could not be read"),),
    # a routine's number among the agent's own schedules: the workspace's state
    "POST /agents/{agent_id}/run-now": (("routine", "has no routine"),),
    # effects an undo names that the run does not have (its log's results): the run's state
    # and a rule between two fields: an undo with the child runs takes back every effect, so it names none
    "POST /runs/{run_id}/undo": (
        ("effects", "is not an effect of this run"),
        ("children", "an undo with the child runs"),
    ),
    # an MCP server's address (https on a public host, as DNS says) and a server that answers there
    # with the token given (decision 0171): only the network and the server know
    "POST /mcp/servers": (("url", ""), ("token", "")),
    # the same address of a server that asks for OAuth, and an authorization server found there
    # (decision 0220): only the network and the server know; and a client_secret given without its
    # client_id (decision 0179): a rule between two fields
    "POST /mcp/servers/oauth": (("url", ""), ("client_id", "a client_secret needs its client_id")),
    # the signed state of an MCP server's OAuth connect, which only the api issues (opaque, as a
    # cursor): one forged, expired, replaced or used, or none, is refused with "connect ... again"
    "GET /mcp/oauth/callback": (("state", "again"),),
    # a webhook endpoint's address (https on a public host, as DNS says; decision 0180): only the
    # network knows
    "POST /webhooks/endpoints": (("url", ""),),
    # a server connected and a tool it lists: the workspace's state
    "PUT /mcp/policies/{agent_id}": (("server", "connected MCP server"), ("tool", "a tool MCP server")),
    # a day of the calendar, which the contract's plain string cannot state
    "GET /daily-plan": (("date", "is not a day"),),
    # a reason is required with "bad" only: a rule between two fields
    "POST /runs/{run_id}/rating": (("reason", "say why the run was not right"),),
    "POST /agents": TRIGGERS,
    # what a template needs chosen (its database, its repository), and a database its rules are checked on
    "POST /agent-templates/{template_id}/agents": (
        *((f, words) for f in ("data_source_id", "repository") for words in ("needs a", "uses no")),
        ("data_source_id", "could not be read from Notion to check its rules"),
    ),
    "PATCH /agents/{agent_id}": TRIGGERS,
    "PATCH /settings": (
        *TRIGGERS,
        # budgets in order (a run's within a day's within a month's), with the stored ones
        *((f"max_cost_per_{per}_usd", "may spend at most what") for per in ("run", "day", "month")),
        ("daily_plan_sources", "which is neither among data_source_ids nor the home's Tasks"),
        ("triggers.", "which is not among data_source_ids"),
        ("trigger_page_ids", "which is not among page_ids"),
        # a smoke path's shape (a path on the site, no "//" or ".."), which its plain string cannot state
        ("code_policies.", "must be a path on the site"),
        # one item in two spellings (an id's hyphens and case, a name's case); uniqueItems says the rest
        *(
            (f, "more than once")
            for f in ("data_source_ids", "page_ids", "daily_plan_sources", "trigger_page_ids")
        ),
        *((f, "more than once") for f in ("github_repositories", "vercel_projects")),
        # format, unassigned, private-use characters: hundreds of ranges (the pattern names controls)
        ("notification_email", "has an invisible or unassigned character"),
    ),
}


def excused(failure: Any, status: int, body: bytes, label: str = "") -> bool:
    """Whether ``failure`` is positive_data_acceptance meeting a 400 whose every field is one of
    :data:`EXCUSES`, or a JSON string with a lone surrogate (valid to JSON Schema, yet no text), or
    one of the refusals :data:`BY_OPERATION` names for ``label``."""
    if not isinstance(failure, RejectedPositiveData) or status != 400:
        return False
    try:
        answer = json.loads(body)
        fields, reason = answer.get("fields"), str(answer.get("reason", ""))
    except (ValueError, AttributeError):
        return False
    if not isinstance(fields, list) or not fields:
        return False

    def one(named: dict[str, Any]) -> bool:
        field, problem = str(named.get("field")), str(named.get("problem", ""))
        if (field in EXCUSES and EXCUSES[field] in problem) or SURROGATE in problem:
            return True
        said = problem or reason
        return any(
            (field == rule or (rule.endswith(".") and field.startswith(rule))) and words in said
            for rule, words in BY_OPERATION.get(label, ())
        )

    return all(isinstance(named, dict) and one(named) for named in fields)
