"""Workspaces with deterministic ids: an empty one, or the demo (Tasks and Ideas data sources)."""

from __future__ import annotations

from local.notion_sandbox.content import insert_blocks
from local.notion_sandbox.databases import place_database
from local.notion_sandbox.ids import now_iso, stable_id
from local.notion_sandbox.model import JSON, Actor, Workspace, bot_user, person_user
from local.notion_sandbox.pages import create_page
from local.notion_sandbox.properties import property_config
from local.notion_sandbox.richtext import text_items

TASK_STATUSES = [("Not started", "default"), ("In progress", "blue"), ("Done", "green")]
IDEA_STATUSES = [
    ("New", "default"),
    ("Exploring", "yellow"),
    ("Ready for agent", "purple"),
    ("Done", "green"),
]
# The workspace's people: (seed id name, handle, name, the team role they stand for in the console).
PEOPLE = [
    ("owner", "ada", "Ada Lovelace", "owner"),
    ("teammate", "grace", "Grace Hopper", "admin"),
    ("editor", "alan", "Alan Turing", "editor"),
    ("viewer", "katherine", "Katherine Johnson", "viewer"),
]
PRIORITIES = [("High", "red"), ("Medium", "yellow"), ("Low", "gray")]
TASKS = [
    ("task_report", "Write the weekly report", "In progress", "High", "2026-01-05", "owner"),
    ("task_invoices", "Send the invoices", "Not started", "Medium", "2026-01-07", "teammate"),
    ("task_release", "Ship the landing page", "Not started", "High", "2026-01-09", "owner"),
    ("task_archive", "Archive old notes", "Done", "Low", None, None),
]
IDEAS = [
    (
        "idea_newsletter",
        "Automate the newsletter",
        "New",
        ["Draft it from the week's done tasks.", "Send on Fridays."],
    ),
    ("idea_dashboard", "A dashboard of open tasks", "Exploring", ["Show overdue tasks first."]),
]


def seed_ids(key: str) -> dict[str, str]:
    """Every id the seed creates for workspace `key`, by name: stable across runs and machines."""
    names = ["workspace", "home_page", "tasks_database", "tasks_data_source"]
    names += ["ideas_database", "ideas_data_source"] + [t[0] for t in TASKS] + [i[0] for i in IDEAS]
    ids = {name: stable_id(key, "seed", name) for name in names}
    ids["bot"] = stable_id(key, "bot")
    ids |= {name: stable_id(key, "person", handle) for name, handle, _, _ in PEOPLE}
    return ids


def roles(ws: Workspace) -> dict[str, str]:
    """Each person's id -> the team role they stand for (owner, admin, editor, viewer)."""
    return {ws.seeded[name]: role for name, _, _, role in PEOPLE if name in ws.seeded}


def new_workspace(key: str, name: str) -> Workspace:
    """An empty workspace with its bot and four people (Ada owns it; :data:`PEOPLE`)."""
    workspace_id = stable_id(key, "seed", "workspace")
    people = {name: person_user(key, handle, full) for name, handle, full, _ in PEOPLE}
    ada = people["owner"]
    ws = Workspace(
        key=key,
        id=workspace_id,
        name=name,
        icon=None,
        bot=bot_user(key, "Notion Agent", workspace_id, name),
        owner={"type": "user", "user": ada},
        people={person["id"]: person for person in people.values()},
    )
    ws.seeded = {"workspace": workspace_id, "bot": ws.bot["id"]} | {n: p["id"] for n, p in people.items()}
    return ws


def seed_demo(ws: Workspace) -> None:
    """Home page, the Tasks and Ideas databases with one data source each, and a few pages."""
    ids = seed_ids(ws.key)
    ada = Actor(ids["owner"], "person")
    create_page(ws, ada, _title_body("Notion Agent home"), ids["home_page"])
    tasks_schema = {
        "Name": property_config(ids["tasks_data_source"], "Name", "title"),
        "Status": property_config(ids["tasks_data_source"], "Status", "status", TASK_STATUSES),
        "Priority": property_config(ids["tasks_data_source"], "Priority", "select", PRIORITIES),
        "Due": property_config(ids["tasks_data_source"], "Due", "date"),
        "Assignee": property_config(ids["tasks_data_source"], "Assignee", "people"),
        "For agent": property_config(ids["tasks_data_source"], "For agent", "checkbox"),
        "Sync ID": property_config(ids["tasks_data_source"], "Sync ID", "rich_text"),
    }
    ideas_schema = {
        "Name": property_config(ids["ideas_data_source"], "Name", "title"),
        "Status": property_config(ids["ideas_data_source"], "Status", "status", IDEA_STATUSES),
    }
    _database(ws, ada, ids, "tasks", title="Tasks", schema=tasks_schema)
    _database(ws, ada, ids, "ideas", title="Ideas", schema=ideas_schema)
    for key, title, status, priority, due, who in TASKS:
        props: JSON = {
            "Name": {"title": [{"text": {"content": title}}]},
            "Status": {"status": {"name": status}},
            "Priority": {"select": {"name": priority}},
            "Due": {"date": {"start": due} if due else None},
            "Assignee": {"people": [{"id": ids[who]}] if who else []},
        }
        task: JSON = {"parent": {"data_source_id": ids["tasks_data_source"]}, "properties": props}
        create_page(ws, ada, task, ids[key])
    for key, title, status, lines in IDEAS:
        body: JSON = {
            "parent": {"data_source_id": ids["ideas_data_source"]},
            "properties": {
                "Name": {"title": [{"text": {"content": title}}]},
                "Status": {"status": {"name": status}},
            },
            "children": [{"paragraph": {"rich_text": [{"text": {"content": line}}]}} for line in lines],
        }
        create_page(ws, ada, body, ids[key])
    insert_blocks(ws, ada, ids["home_page"], {"type": "page_id", "page_id": ids["home_page"]}, _home_blocks())
    ws.seeded.update(ids)
    ws.writes.clear()


def _title_body(title: str) -> JSON:
    return {"parent": {"workspace": True}, "properties": {"title": {"title": [{"text": {"content": title}}]}}}


def _home_blocks() -> list[JSON]:
    lines = ["Tasks and Ideas live in the databases on this page.", "The agent plans the day every morning."]
    return [{"paragraph": {"rich_text": [{"text": {"content": line}}]}} for line in lines]


def _database(
    ws: Workspace, actor: Actor, ids: dict[str, str], key: str, *, title: str, schema: JSON
) -> None:
    now, db_id, ds_id, home = now_iso(), ids[f"{key}_database"], ids[f"{key}_data_source"], ids["home_page"]
    common: JSON = {
        "title": text_items(title),
        "description": [],
        "icon": None,
        "cover": None,
        "is_inline": False,
        "archived": False,
        "in_trash": False,
        "created_time": now,
        "last_edited_time": now,
        "public_url": None,
    }
    place_database(
        ws, actor, db_id=db_id, ds_id=ds_id, home=home, name=title, common=common, schema=schema, now=now
    )
