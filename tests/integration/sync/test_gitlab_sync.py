"""GitLab's connect, intake and two-way mirror against the GitLab sandbox (GitLab's REST API as its
documentation describes it), the Notion sandbox and the Firestore emulator: the token and the webhook's
secret only in the secret store; a token that may not make a webhook is a 400 that stores nothing;
forged and replayed deliveries are refused and queue nothing; pages become issues once, and a create
retried after a lost answer finds its issue by its marker; issues become pages once; a change (a
close too) goes across once and never echoes; a field changed on both sides goes to the later edit
and is logged; Done in Notion closes the issue and To-do reopens it; labels Notion cannot hold stay; GitLab's 429 leaves nothing half done."""

import json
from datetime import timedelta
from typing import Any

import pytest

from local.gitlab_sandbox.app import DEVELOPER_TOKEN, PROJECT_ID, PROJECT_PATH, TOKEN
from shared.platform.errors import Conflict, InvalidInput, NotFound, NothingSent, Unauthenticated
from shared.sync.domain.connection import hook_secret, key_secret
from shared.sync.domain.gitlab_mapping import marker
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import connect_gitlab, disconnect_gitlab, gitlab_status, set_people
from shared.sync.services.intake import ingest_gitlab
from shared.sync.services.mirror import run_gitlab_task
from tests.integration.sync.conftest import IDS, GitLabStack, sync_tasks

pytestmark = pytest.mark.integration


def connect(lab: GitLabStack, token: str = TOKEN) -> dict[str, Any]:
    answer = connect_gitlab(
        lab.tenant_id, {"access_token": token, "project": PROJECT_PATH, "base_url": lab.url}, lab.linking
    )
    people = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
    set_people(lab.tenant_id, {"people": people}, lab.store, "gitlab")
    lab.queue.tasks.clear()
    return answer


def scan(lab: GitLabStack) -> dict[str, Any]:
    since = lab.clock[0] - timedelta(hours=1)
    task = SyncTask(tenant_id=lab.tenant_id, kind="scan", since=since, tool="gitlab")
    return run_gitlab_task(task, lab.mirroring)


def deliver_all(lab: GitLabStack) -> list[dict[str, str]]:
    """Every delivery GitLab made, through the intake; then each queued issue task, run."""
    answers = [
        ingest_gitlab(lab.tenant_id, body, headers, lab.intake) for _, headers, body in lab.gitlab.outbox
    ]
    lab.gitlab.outbox.clear()
    for task in sync_tasks(lab.queue):
        if task.kind == "issue":
            run_gitlab_task(task, lab.mirroring)
    lab.queue.tasks.clear()
    return answers


def issue_of(lab: GitLabStack, page: str) -> dict[str, Any]:
    link = lab.store.link(lab.tenant_id, IDS[page].replace("-", ""))
    assert link is not None
    return lab.gitlab.issues[int(link.issue_id)]


def title(p: dict[str, Any]) -> str:
    return "".join(t["plain_text"] for t in p["properties"]["Name"]["title"])


def stored_documents(lab: GitLabStack) -> str:
    tenant = lab.store._tenants.document(lab.tenant_id)
    return json.dumps([d.to_dict() for c in tenant.collections() for d in c.stream()], default=str)


def test_connect_keeps_the_token_in_secrets_and_hooks_the_project(lab: GitLabStack) -> None:
    answer = connect(lab)
    assert answer["connected"] and answer["project"] == {"id": PROJECT_ID, "path": PROJECT_PATH}
    assert answer["account"] == "ada" and TOKEN not in json.dumps(answer, default=str)
    assert lab.secrets.get(key_secret(lab.tenant_id, "gitlab")) == TOKEN
    secret = lab.secrets.get(hook_secret(lab.tenant_id, "gitlab"))
    [hook] = lab.gitlab.hooks.values()
    assert hook["token"] == secret and hook["issues_events"]
    assert hook["url"].endswith(f"/sync/gitlab/webhook/{lab.tenant_id}")
    kept = stored_documents(lab)
    assert TOKEN not in kept and secret not in kept
    connection = lab.store.connection(lab.tenant_id)
    assert connection is not None and connection.members == {"ada@demo.example": 11, "grace@demo.example": 12}
    assert gitlab_status(lab.tenant_id, lab.store)["base_url"] == lab.url


def test_a_token_refused_or_without_maintainer_is_a_400_that_stores_nothing(lab: GitLabStack) -> None:
    for token, field in (("glpat-revoked-token-0", "access_token"), (DEVELOPER_TOKEN, "Maintainer")):
        with pytest.raises(InvalidInput) as refused:
            connect_gitlab(
                lab.tenant_id,
                {"access_token": token, "project": PROJECT_ID, "base_url": lab.url},
                lab.linking,
            )
        assert refused.value.http_status == 400 and field in refused.value.reason
        with pytest.raises(NotFound):
            lab.secrets.get(key_secret(lab.tenant_id, "gitlab"))
        assert lab.store.connection(lab.tenant_id) is None and lab.gitlab.hooks == {}
    with pytest.raises(InvalidInput, match="project"):
        connect_gitlab(
            lab.tenant_id, {"access_token": TOKEN, "project": "demo/other", "base_url": lab.url}, lab.linking
        )


def test_disconnect_deletes_the_webhook_our_secrets_and_the_record(lab: GitLabStack) -> None:
    connect(lab)
    connect(lab)  # again: the first webhook is replaced, not left behind
    assert len(lab.gitlab.hooks) == 1
    gone = disconnect_gitlab(lab.tenant_id, lab.linking)
    assert gone == {"tool": "gitlab", "connected": False, "webhook_deleted": True}
    assert lab.gitlab.hooks == {} and lab.store.connection(lab.tenant_id) is None
    for name in (key_secret(lab.tenant_id, "gitlab"), hook_secret(lab.tenant_id, "gitlab")):
        with pytest.raises(NotFound):
            lab.secrets.get(name)
    assert disconnect_gitlab(lab.tenant_id, lab.linking)["connected"] is False  # repeatable


def test_forged_and_replayed_deliveries_are_refused_and_queue_nothing(lab: GitLabStack) -> None:
    connect(lab)
    iid = lab.gitlab.add_issue("From GitLab")
    [(_, headers, body)] = lab.gitlab.outbox
    for forged in (
        {**headers, "X-Gitlab-Token": "not-our-token"},
        {k: v for k, v in headers.items() if k != "X-Gitlab-Token"},
    ):
        with pytest.raises(Unauthenticated):
            ingest_gitlab(lab.tenant_id, body, forged, lab.intake)
    assert lab.queue.tasks == []
    assert ingest_gitlab(lab.tenant_id, body, headers, lab.intake) == {"result": "enqueued", "detail": "open"}
    with pytest.raises(Conflict) as replay:
        ingest_gitlab(lab.tenant_id, body, headers, lab.intake)
    assert replay.value.http_status == 409
    assert [(t.tool, t.issue_id) for t in sync_tasks(lab.queue)] == [("gitlab", str(iid))]
    with pytest.raises(NotFound):
        ingest_gitlab("t-not-connected", body, headers, lab.intake)


def test_pages_become_issues_once_and_our_writes_never_echo(lab: GitLabStack) -> None:
    connect(lab)
    first = scan(lab)
    made = lab.gitlab.creates
    assert made >= 3 and first["writes"] == made
    issue = issue_of(lab, "task_report")
    assert issue["title"] == "Write the weekly report" and issue["state"] == "opened"
    assert issue["due_date"] == "2026-01-05" and issue["assignee_ids"] == [11]
    assert issue["description"].endswith(marker(IDS["task_report"]))
    writes = lab.gitlab.writes_by_api
    assert deliver_all(lab)  # GitLab's deliveries of our own creates come back...
    assert scan(lab)["writes"] == 0  # ...and change nothing on either side: no echo
    assert lab.gitlab.writes_by_api == writes and lab.gitlab.creates == made


def test_a_create_retried_after_its_answer_was_lost_finds_its_issue(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)
    made = lab.gitlab.creates
    page_id = IDS["task_invoices"].replace("-", "")
    # The create's answer was lost: GitLab made the issue, we never saved the link.
    lab.store._doc(lab.tenant_id, "gitlab_links", page_id).delete()
    lab.store._doc(lab.tenant_id, "gitlab_issues", str(issue_of_number(lab, "Send the invoices"))).delete()
    scan(lab)
    assert lab.gitlab.creates == made
    assert sum(1 for i in lab.gitlab.issues.values() if i["title"] == "Send the invoices") == 1
    link = lab.store.link(lab.tenant_id, page_id)
    assert link is not None and int(link.issue_id) == issue_of_number(lab, "Send the invoices")


def issue_of_number(lab: GitLabStack, name: str) -> int:
    [iid] = [iid for iid, i in lab.gitlab.issues.items() if i["title"] == name]
    return iid


def test_an_issue_whose_link_was_lost_is_linked_again_by_its_marker_not_made_a_page(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)
    page_id = IDS["task_release"].replace("-", "")
    iid = issue_of_number(lab, "Ship the landing page")
    lab.store._doc(lab.tenant_id, "gitlab_links", page_id).delete()
    lab.store._doc(lab.tenant_id, "gitlab_issues", str(iid)).delete()
    before = len(list(lab.notion.query_data_source(IDS["tasks_data_source"])))
    run_gitlab_task(
        SyncTask(tenant_id=lab.tenant_id, kind="issue", issue_id=str(iid), tool="gitlab"), lab.mirroring
    )
    assert len(list(lab.notion.query_data_source(IDS["tasks_data_source"]))) == before
    link = lab.store.link_of_issue(lab.tenant_id, str(iid))
    assert link is not None and link.page_id == page_id


def test_a_change_and_a_close_in_gitlab_reach_notion_once(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)
    deliver_all(lab)
    iid = int(issue_of(lab, "task_release")["iid"])
    lab.clock[0] += timedelta(seconds=10)  # a later window than the creates' deliveries
    lab.gitlab.edit(iid, title="Ship the landing page v2", state="closed", labels=["web", "launch"])
    lab.gitlab.outbox.append(lab.gitlab.outbox[-1])  # GitLab's delivery doubled...
    with pytest.raises(Conflict):
        deliver_all(lab)  # ...the second is a replay
    for task in sync_tasks(lab.queue):
        run_gitlab_task(task, lab.mirroring)
    lab.queue.tasks.clear()
    shown = lab.notion.retrieve_page(IDS["task_release"])
    assert title(shown) == "Ship the landing page v2"
    assert shown["properties"]["Status"]["status"]["name"] == "Done"
    writes = lab.gitlab.writes_by_api
    run_gitlab_task(
        SyncTask(tenant_id=lab.tenant_id, kind="issue", issue_id=str(iid), tool="gitlab"), lab.mirroring
    )
    assert scan(lab)["writes"] == 0 and lab.gitlab.writes_by_api == writes  # no echo back to GitLab
    assert lab.gitlab.issues[iid]["labels"] == ["launch", "web"]  # kept: Tasks has no Labels property


def test_a_status_gitlab_cannot_hold_is_not_written_again_and_again(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)  # "In progress" in Notion: an open issue in GitLab
    deliver_all(lab)
    writes = lab.gitlab.writes_by_api
    for _ in range(2):
        assert scan(lab)["writes"] == 0
    assert lab.gitlab.writes_by_api == writes
    assert (
        lab.notion.retrieve_page(IDS["task_report"])["properties"]["Status"]["status"]["name"]
        == "In progress"
    )


def test_a_field_changed_on_both_sides_goes_to_the_later_edit_and_is_logged(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)
    deliver_all(lab)
    iid = int(issue_of(lab, "task_invoices")["iid"])
    lab.notion.update_page_properties(
        IDS["task_invoices"], {"Name": {"title": [{"text": {"content": "Notion's"}}]}}
    )
    lab.gitlab.edit(iid, title="GitLab's")  # later than Notion's edit
    lab.gitlab.outbox.clear()
    scan(lab)
    assert lab.gitlab.issues[iid]["title"] == "GitLab's"
    assert title(lab.notion.retrieve_page(IDS["task_invoices"])) == "GitLab's"
    [entry] = lab.store.read_log(lab.tenant_id, lab.clock[0] - timedelta(days=1))
    assert (entry.field, entry.winner, entry.issue_id) == ("title", "gitlab", str(iid))


def test_an_issue_made_in_gitlab_becomes_one_page(lab: GitLabStack) -> None:
    connect(lab)
    iid = lab.gitlab.add_issue("Made in GitLab", assignee="grace@demo.example", due_date="2026-02-01")
    deliver_all(lab)
    task = SyncTask(tenant_id=lab.tenant_id, kind="issue", issue_id=str(iid), tool="gitlab")
    run_gitlab_task(task, lab.mirroring)  # again
    link = lab.store.link_of_issue(lab.tenant_id, str(iid))
    assert link is not None
    made = lab.notion.retrieve_page(link.page_id)
    assert title(made) == "Made in GitLab" and made["properties"]["Status"]["status"]["name"] == "Not started"
    assert made["properties"]["Due"]["date"]["start"] == "2026-02-01"
    assert [p["id"].replace("-", "") for p in made["properties"]["Assignee"]["people"]] == [
        IDS["teammate"].replace("-", "")
    ]
    same = [p for p in lab.notion.query_data_source(IDS["tasks_data_source"]) if title(p) == "Made in GitLab"]
    assert len(same) == 1


def test_done_in_notion_closes_the_issue_and_to_do_reopens_it(lab: GitLabStack) -> None:
    connect(lab)
    scan(lab)
    deliver_all(lab)
    iid = int(issue_of(lab, "task_invoices")["iid"])
    for status, state in (("Done", "closed"), ("Not started", "opened")):
        lab.clock[0] += timedelta(seconds=10)
        lab.notion.update_page_properties(IDS["task_invoices"], {"Status": {"status": {"name": status}}})
        scan(lab)
        assert lab.gitlab.issues[iid]["state"] == state
        deliver_all(lab)
        writes = lab.gitlab.writes_by_api
        assert scan(lab)["writes"] == 0 and lab.gitlab.writes_by_api == writes


def test_gitlabs_429_leaves_nothing_half_done(lab: GitLabStack) -> None:
    connect(lab)
    lab.gitlab.rate_limit(1)
    with pytest.raises(NothingSent):
        scan(lab)
    scan(lab)  # the queue's retry
    titles = [i["title"] for i in lab.gitlab.issues.values()]
    assert titles and len(titles) == len(set(titles))
