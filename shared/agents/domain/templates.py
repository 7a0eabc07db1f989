"""Agents to start from: the gallery's templates, each an instructions page's text with the rules and
schedules that start it, its reach and its tools. This table is the one source of the gallery, of
``GET /agent-templates`` and of the eval tasks that cover them (local/eval_agents.toml names each).
Product content: no tenant's names or secrets; what a workspace supplies (its database, its
repository) is asked for when a template is used. Why: docs/decisions/0184-agents-to-start-from.md.
"""

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

type Need = Literal["database", "repository"]
REPOSITORY = "{repository}"  # where a template's instructions name the repository a person chooses
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
TEMPLATE_ID = r"^[a-z0-9][a-z0-9-]{0,31}$"
_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}
_RULE_WORDS = {
    "page_created": "a page is created in the database you choose",
    "mentioned": "a comment on a page of the database you choose mentions it",
}


@dataclass(frozen=True)
class Template:
    """One agent to start from. ``rules``: trigger rules on the database the person chooses (each a
    rule's JSON, as ``POST /agents`` takes it); ``schedules`` as it takes them; ``reads``/``changes``:
    whether its reach is that database (else the workspace's chosen pages); ``tools``: what it may use."""

    template_id: str
    name: str
    does: str
    instructions: str
    tools: tuple[str, ...]
    rules: tuple[dict[str, Any], ...] = ()
    schedules: tuple[dict[str, Any], ...] = ()
    reads: bool = False
    changes: bool = False
    model_tier: Literal["fast", "standard", "best"] = "standard"
    examples: tuple[str, ...] = field(default=())  # the pages it is meant for, in words

    @property
    def needs(self) -> tuple[Need, ...]:
        """What a person chooses when using it: a database (its rules or reach name one), a repository."""
        found: list[Need] = []
        if self.rules or self.reads or self.changes:
            found.append("database")
        if REPOSITORY in self.instructions:
            found.append("repository")
        return tuple(found)

    def starts_words(self) -> str:
        """What starts it, in a sentence."""
        said = [f"a comment that mentions Notion Agent and names “{self.name}”"]
        said += [_RULE_WORDS[r["kind"]] for r in self.rules if r["kind"] in _RULE_WORDS]
        said += [schedule_words(s) for s in self.schedules]
        return "It starts when " + "; or ".join(said) + "."

    def reach_words(self) -> str:
        """What it may read and change, in a sentence."""
        if self.changes:
            return "It reads and changes the database you choose, the page that started it and the pages it creates."
        if self.reads:
            return "It reads the database you choose; it changes only the page that started it and the pages it creates."
        return "It reads and changes the workspace's chosen pages and databases, as the default agent does."

    def tools_words(self) -> str:
        return "It may use: " + ", ".join(t.replace("_", " ") for t in self.tools) + "."

    def text(self, repository: str = "") -> str:
        """Its instructions page's text, the chosen repository filled in."""
        return self.instructions.replace(REPOSITORY, repository)


def schedule_words(schedule: dict[str, Any]) -> str:
    """A template's schedule in words: "every Friday at 16:00 (the workspace's time)"."""
    hour = f"{int(schedule['hour']):02}:00"
    every = str(schedule["every"])
    if every == "weekly":
        when = "every " + " and ".join(_DAYS.get(d, d) for d in schedule["days"])
    else:
        when = {"daily": "every day", "weekdays": "every weekday"}.get(every, every)
    return f"{when} at {hour} (the workspace's time)"


def agent_id_of(template_id: str, request_id: str) -> str:
    """The id of the agent a template's use with ``request_id`` makes: the same for a repeat, so the
    store's create-if-absent makes one agent however often the request comes."""
    digest = hashlib.sha256(f"{template_id}:{request_id}".encode()).hexdigest()[:8]
    return f"{template_id[:30]}-{digest}"


TEMPLATES: tuple[Template, ...] = (
    Template(
        "inbox-triage",
        "Inbox triage",
        "Reads each new request in your inbox database, gives it a priority and says it was triaged.",
        "You triage new requests that arrive in the inbox database.\n"
        'Read the request. When it does not say how urgent it is, set its Priority to "Medium".\n'
        'Then comment "Triaged" on the request, with one line on who should own it and why.\n'
        "Never delete or move a request.",
        ("read_page", "update_properties", "add_comment"),
        rules=({"kind": "page_created"},),
        reads=True,
        changes=True,
        model_tier="fast",
        examples=("a request or support ticket in an inbox database",),
    ),
    Template(
        "meeting-notes-to-tasks",
        "Meeting notes to tasks",
        "Turns a meeting's notes into a short summary and a task for each action item.",
        "You turn meeting notes into work.\n"
        "Summarise the notes on the page in a few short lines: decisions first, then open questions.\n"
        "Then create a page in the Tasks database for every action item the notes name, titled with the "
        "action, its owner and its due date when the notes give them.\n"
        "Invent no action item the notes do not name.",
        ("read_page", "draft_text", "append_blocks", "create_page"),
        examples=("a meeting notes page",),
    ),
    Template(
        "weekly-status",
        "Weekly status from Tasks",
        "Every Friday afternoon, sends you the week's status from your Tasks database.",
        "Every week, write the team's status from the Tasks database: what was done this week, what is in "
        "progress and what is late, then send it to the owner as a notification.\n"
        "Keep it short: a line per task, the late ones first.",
        ("query_data_source", "draft_text", "send_notification"),
        schedules=({"every": "weekly", "days": ["fri"], "hour": 16},),
        reads=True,
        examples=("your Tasks database",),
    ),
    Template(
        "bug-to-linear",
        "Bug to Linear issue",
        "Files the bug described on a page as an issue in your connected Linear team, then links it.",
        "You file bug reports in Linear.\n"
        "Read the bug page, then create an issue in the connected Linear team: the page's title as its title, "
        "and the steps to reproduce, the expected and the actual behaviour, and a link to the page as its "
        "description.\n"
        "Then say on the page where the issue is. File each bug once.",
        ("read_page", "create_issue", "add_comment"),
        examples=("a bug report page",),
    ),
    Template(
        "idea-to-pull-request",
        "Idea to pull request",
        "Turns an idea page into requirements you approve, then a pull request in your repository.",
        "Turn the idea on this page into requirements for a pull request in {repository}: its goal, "
        "acceptance criteria and what is out of scope.\n"
        "Once the owner approves the requirements as edited, draft the change and open the pull request.",
        (
            *("read_page", "write_requirements", "read_requirements", "plan_next"),
            *("read_repository", "draft_text", "open_pull_request"),
        ),
        examples=("an idea page",),
    ),
    Template(
        "standup-digest",
        "Stand-up digest",
        "Every weekday morning, sends you what changed in your Tasks since yesterday.",
        "Every weekday morning, write a stand-up digest from the Tasks database: what was finished "
        "since yesterday, what is in progress and who is blocked, then send it to the owner as a "
        "notification.\n"
        "A line per person; nothing else.",
        ("query_data_source", "draft_text", "send_notification"),
        schedules=({"every": "weekdays", "hour": 9},),
        reads=True,
        model_tier="fast",
        examples=("your Tasks database",),
    ),
    Template(
        "release-notes",
        "Release note from merged pull requests",
        "Turns the merged pull requests listed on a release page into release notes on that page.",
        "You write release notes.\n"
        "Read the merged pull requests listed on this page and summarise them as release notes for "
        "customers: what is new, what is improved and what is fixed, a line each, in plain words.\n"
        "Leave out internal changes that customers do not see.",
        ("read_page", "read_repository", "draft_text", "append_blocks"),
        model_tier="best",  # words customers read
        examples=("a release page listing merged pull requests",),
    ),
    Template(
        "page-summary",
        "Page summary",
        "Adds a short summary at the end of a long page when you ask for it.",
        "Summarise the page you are asked about in three short lines at its end: what it is about, what "
        "was decided and what is still open.\n"
        "Change nothing else on the page.",
        ("read_page", "draft_text", "append_blocks"),
        model_tier="fast",
        examples=("any long page: a spec, a report, a thread",),
    ),
    Template(
        "idea-planner",
        "Idea planner",
        "Drafts a plan for an idea as a sub-page, asks you to approve it, then moves the idea on.",
        "Draft a plan for the idea on this page: its first steps, an owner for each and what would show "
        "it worked. Put the plan in a sub-page of the idea and ask the owner to approve it; once "
        "approved, move the idea's status on.",
        ("read_page", "draft_text", "create_page", "request_approval", "append_blocks", "update_properties"),
        examples=("an idea page",),
    ),
    Template(
        "task-follow-up",
        "Task follow-up",
        "Asks on each open task of a database whether it is still on track.",
        'For each row of this page\'s data source that is not done, comment "Is this still on track?" on the '
        "row, mentioning nobody.\n"
        "Change no task.",
        ("query_data_source", "map_rows", "fan_in", "add_comment", "append_blocks"),
        reads=True,
        examples=("a page of your Tasks database",),
    ),
)

BY_ID = {t.template_id: t for t in TEMPLATES}


def view(template: Template) -> dict[str, Any]:
    """A template as the api and the gallery show it: what it does and its starts, reach and tools in
    words, with the instructions as they will be written."""
    return {
        "template_id": template.template_id,
        "name": template.name,
        "does": template.does,
        "instructions": template.instructions,
        "starts": template.starts_words(),
        "reach": template.reach_words(),
        "tools": list(template.tools),
        "tools_words": template.tools_words(),
        "needs": list(template.needs),
        "for_pages": list(template.examples),
        "rules": [dict(r) for r in template.rules],
        "schedules": [dict(s) for s in template.schedules],
        "model_tier": template.model_tier,
    }


def valid_repository(value: str) -> bool:
    return bool(re.fullmatch(REPOSITORY_PATTERN, value))
