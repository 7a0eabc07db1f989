"""The sync in the storm, on the Firestore emulator, the Notion sandbox and each tool's
sandbox over HTTP: Linear's and GitLab's webhook deliveries and every mirror task (Motion's polling
scans too) delivered twice, shuffled, and killed mid-task after an adapter call returned (each create,
the tool's item's and the Notion page's, at least once between its request and its link). After the
next scheduled scan both sides agree, with no issue or page made twice and no edit lost. Motion's
storm starts on Tasks without a Sync ID column, which the sync adds (decision 0132). The scenario:
tests/support/sync/storm_scenario.py."""

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from local.notion_sandbox import SandboxServer
from shared.sync.domain.mapping import SYNC_KEY
from shared.sync.services.connect import connect_gitlab, connect_linear, set_people
from shared.sync.services.intake import ingest_gitlab, ingest_linear
from shared.sync.services.mirror import run_gitlab_task, run_motion_task, run_sync_task
from shared.sync.services.motion import connect_motion
from tests.reliability.conftest import TOTALS
from tests.support.sync.gitlab_stack import gitlab_stack
from tests.support.sync.motion_stack import motion_stack
from tests.support.sync.storm_scenario import PEOPLE, Scenario, stormed_tool, without_its_sync_id
from tests.support.sync.sync_stack import IDS, sync_stack

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


@pytest.fixture(scope="module")
def notion_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def stormed(sc: Scenario, items: Any, edit: Any, add: Any, creates: set[str]) -> dict[str, int]:
    """The scenario's storm (:func:`stormed_tool`), its counts added to the suite's totals; every
    create of ``creates`` was killed at least once right after its request, before its link."""
    result = stormed_tool(sc, items, edit, add)
    TOTALS.update(result)
    assert sc.killer.kills > 0  # the storm did kill tasks mid-way
    assert set(sc.killer.create_kills) >= creates, sc.killer.create_kills
    return result


def sound(runs: int) -> dict[str, int]:
    return {"runs": runs, "lost": 0, "duplicated_effects": 0, "stuck": 0, "failed": 0}


def test_linear_mirror_and_webhooks_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with sync_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        connect_linear(s.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store)
        sc = Scenario(s, "linear", run_sync_task, ingest_linear, s.linear.outbox, random.Random(69))
        result = stormed(
            sc,
            lambda: {i: v["title"] for i, v in s.linear.issues.items() if not v.get("archivedAt")},
            lambda item, new: s.linear.edit(item, title=new),
            s.linear.add_issue,
            {"create_issue", "create_page"},
        )
    assert result == sound(result["runs"]), result


def test_gitlab_mirror_and_webhooks_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with gitlab_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        config = {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": s.url}
        connect_gitlab(s.tenant_id, config, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store, "gitlab")
        sc = Scenario(s, "gitlab", run_gitlab_task, ingest_gitlab, s.gitlab.outbox, random.Random(70))
        result = stormed(
            sc,
            lambda: {str(i): v["title"] for i, v in s.gitlab.issues.items()},
            lambda item, new: s.gitlab.edit(int(item), title=new),
            s.gitlab.add_issue,
            {"create_issue", "create_page"},
        )
    assert result == sound(result["runs"]), result


def test_motion_mirror_and_polling_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with motion_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        without_its_sync_id(s)  # Motion's storm runs on Tasks lacking the column: the sync adds it
        connect_motion(s.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store, "motion")
        s.queue.tasks.clear()
        sc = Scenario(s, "motion", run_motion_task, None, None, random.Random(71))
        result = stormed(
            sc,
            lambda: {i: v["name"] for i, v in s.motion.tasks.items()},
            lambda item, new: s.motion.edit(item, name=new),
            s.motion.add_task,
            {"create_task", "create_page"},
        )
    assert result == sound(result["runs"]), result
    assert (
        s.notion.retrieve_data_source(IDS["tasks_data_source"])["properties"][SYNC_KEY]["type"] == "rich_text"
    )
