"""A run asked in a Slack thread undone from that thread (docs/slack.md, "Undo from the thread"): its
result carries an "Undo this run" button; a press is verified as an approval's is and decided by the
Runs row's undo (its starter, an approver or the owner). The owner's press, delivered twice, starts one
undo, said once in the thread, whose end says what it restored; a stranger's, a member's who may not
and a forged one do nothing. A run of several effects offers each alone: its press undoes that one. On the Firestore emulator (runs, tenants, notifications) and the code
sandbox's Slack through slack_sdk; the run's Notion is the fakes'."""

from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.engine.planning.row_undo import STARTED
from shared.engine.services.followups import enqueue_followup
from shared.notify.adapters.firestore_notifications import FirestoreNotificationLog
from shared.notify.adapters.slack import SlackChat
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import SlackThread
from shared.notify.ports import NotificationChannel
from shared.notify.services.channels import SlackMessages
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.notifications import deliver_notification
from shared.platform.errors import InvalidInput, Unauthenticated
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps, RunRef
from shared.slack.domain.interactions import STRANGER_UNDO
from shared.slack.services.interactions import press
from shared.undo.domain.asking import UNDO_PREFIX
from shared.workspace.domain.integrations import Integration
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.slack.slack_events import CHANNEL, SECRET, TEAM
from tests.support.slack.slack_presses import press as signed_press
from tests.support.slack.slack_world import world
from tests.support.team.team_fakes import FakeAudit
from tests.support.undo.written_runs import store_calls

pytestmark = pytest.mark.integration
__all__ = ["world"]  # the fixture: the sandbox's Slack team installed for a workspace of Ada and Bo
RUN, PAGE, SAID = "api-slack-undo", "page-slack-undo", "Noted from Slack"


def _deps(w: dict[str, Any]) -> Deps:
    """The engine's deps over the Firestore run store and the world's tenants (Slack connected)."""
    tenants = w["intake"].tenants
    tenants.update(
        w["tenant"].tenant_id,
        lambda t: t.model_copy(update={"integrations": (*t.integrations, Integration.SLACK)}),
    )
    log = FakeAudit()
    return make_deps()._replace(store=FirestoreRunStore(w["db"]), tenants=tenants, audit_source=lambda: log)


def _audited(deps: Deps, tenant_id: str) -> list[tuple[str, str, str, dict[str, str]]]:
    """The audit log's entries of presses in Slack: (action, who, surface, target)."""
    assert deps.audit_source is not None
    log = deps.audit_source()
    assert isinstance(log, FakeAudit)
    return [(e.action, e.email, e.surface, e.target) for e in log.entries.get(tenant_id, [])]


def _deliver(w: dict[str, Any], deps: Deps, admin_chat: SlackChat, task: NotifyTask) -> bool:
    channels: list[NotificationChannel] = [SlackMessages(admin_chat, w["intake"].secrets)]
    notifier = ChannelDelivery(FirestoreNotificationLog(w["db"]), channels, 60.0)
    return deliver_notification(task, notifier, deps.need_tenants(), FakeQueue(), console="").delivered


def _thread(admin: Admin, ts: str) -> list[dict[str, Any]]:
    return [m for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts]


def _slack_notes(deps: Deps) -> list[NotifyTask]:
    assert isinstance(deps.queue, FakeQueue)
    return [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask) and b.channel == "slack"]


def _queued(deps: Deps) -> list[Any]:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue.tasks


def _undo_runs(deps: Deps, tenant_id: str) -> list[str]:
    return [r.run_id for r in deps.store.list_runs(tenant_id, limit=50) if r.run_id.startswith(UNDO_PREFIX)]


def _asked_in_slack(world: dict[str, Any], admin: Admin, texts: list[str]) -> tuple[Deps, str, list[int]]:
    """The world's deps, a thread Bo started, and run :data:`RUN` asked there that commented ``texts``
    on :data:`PAGE` and ended: its effect ids."""
    deps, tid = _deps(world), world["tenant"].tenant_id
    [ts] = admin.slack_post(CHANNEL, "<@U0SANDBOX01> note it", user="bo")
    calls = [("add_comment", {"page_id": PAGE, "text": text}) for text in texts]
    thread = SlackThread(TEAM, CHANNEL, ts).ref
    seqs = store_calls(deps, RUN, deps.need_notion(tid), PAGE, calls, tenant_id=tid, thread=thread)
    return deps, ts, seqs


def test_the_owner_undoes_a_slack_run_once_from_its_thread_and_no_one_else_can(
    world: dict[str, Any], admin: Admin, sandbox: Any
) -> None:
    deps, ts, _ = _asked_in_slack(world, admin, [SAID])
    tid, users = world["tenant"].tenant_id, world["users"]
    chat, notion = SlackChat(sandbox.slack_url, timeout_s=5), deps.need_notion(world["tenant"].tenant_id)
    ended = deps.store.get_run(tid, RUN)
    assert ended is not None
    for _ in range(2):  # the end's follow-up, delivered twice
        enqueue_followup(RunRef(deps, tid, RUN), ended.state)
    [end] = _slack_notes(deps)
    assert [_deliver(world, deps, chat, end) for _ in range(2)] == [True, False]
    [result] = _thread(admin, ts)
    [_, actions] = result["blocks"]
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [("undo", f"{RUN} undo")]
    _queued(deps).clear()  # the end's tasks are sent
    where, intake = (TEAM, CHANNEL, ts), world["intake"]

    def pressed(user: str, secret: str = SECRET) -> dict[str, Any]:
        body, headers = signed_press(
            f"{RUN} undo", user=users.get(user, user), action="undo", secret=secret, where=where
        )
        return press(body, headers, intake, deps)

    with pytest.raises(Unauthenticated):
        pressed("ada", secret="another-apps-secret")  # forged
    assert pressed("eve") == {"result": "stranger"}
    assert [e["text"] for e in admin.slack_ephemerals() if e.get("user") == users["eve"]] == [STRANGER_UNDO]
    assert pressed("bo") == {"result": "refused"}  # an editor who neither started nor approved it
    told = [e["text"] for e in admin.slack_ephemerals() if e.get("user") == users["bo"]]
    assert any("Nothing was undone: only the person who started this run" in t for t in told), told
    assert _undo_runs(deps, tid) == [] and _slack_notes(deps) == [] and not _queued(deps)
    assert len(_thread(admin, ts)) == 1 and _audited(deps, tid) == []

    first, again = pressed("ada"), pressed("ada")  # Slack delivers the owner's press twice
    assert first["result"] == "undoing" and again == {"result": "duplicate", "undo_run": first["undo_run"]}
    assert _undo_runs(deps, tid) == [first["undo_run"]]
    ada = next(m.email for m in world["tenant"].team() if m.notion_user_id and m.role == "owner")
    target = {"run_id": RUN, "undo_run": first["undo_run"]}
    assert _audited(deps, tid) == [("undo", ada, "slack", target)]  # who undid what, once
    said = STARTED.split("{who}")[0]
    assert sum(said in m["text"] for m in _thread(admin, ts)) == 1
    assert any(SAID in str(c) for c in notion.list_comments(PAGE))

    notes = drive(deps)
    undo = deps.store.get_run(tid, first["undo_run"])
    assert undo is not None and undo.state.status == RunStatus.COMPLETED, undo
    assert not any(SAID in str(c) for c in notion.list_comments(PAGE))  # deleted
    [told_end] = [n for n in notes if n.channel == "slack"]
    assert _deliver(world, deps, chat, told_end) is True
    last = _thread(admin, ts)[-1]
    assert "Restored 1: add_comment" in last["text"] and "No conflicts." in last["text"], last
    assert "blocks" not in last  # an undo's end offers no second undo button


def test_one_effect_is_undone_from_the_thread_by_its_own_button(
    world: dict[str, Any], admin: Admin, sandbox: Any
) -> None:
    deps, ts, (kept, taken) = _asked_in_slack(world, admin, ["Keep me", "Take me back"])
    tid, users = world["tenant"].tenant_id, world["users"]
    chat, notion = SlackChat(sandbox.slack_url, timeout_s=5), deps.need_notion(tid)
    ended = deps.store.get_run(tid, RUN)
    assert ended is not None
    enqueue_followup(RunRef(deps, tid, RUN), ended.state)
    [end] = _slack_notes(deps)
    assert _deliver(world, deps, chat, end) is True
    [result] = _thread(admin, ts)
    each = [b["accessory"]["value"] for b in result["blocks"] if "accessory" in b]
    assert each == [f"{RUN} {taken}", f"{RUN} {kept}"]  # newest first, as an undo takes them back
    _queued(deps).clear()
    where, intake = (TEAM, CHANNEL, ts), world["intake"]

    def pressed(value: str) -> dict[str, Any]:
        body, headers = signed_press(
            value, user=users["ada"], action="undo_effect", secret=SECRET, where=where
        )
        return press(body, headers, intake, deps)

    with pytest.raises(InvalidInput):
        pressed(f"{RUN} all")  # a forged value: an effect's button names its number
    first, again = pressed(f"{RUN} {taken}"), pressed(f"{RUN} {taken}")  # delivered twice
    assert first["result"] == "undoing" and again == {"result": "duplicate", "undo_run": first["undo_run"]}
    assert _undo_runs(deps, tid) == [first["undo_run"]]
    [(action, _, surface, target)] = _audited(deps, tid)
    assert (action, surface, target["effects"]) == ("undo", "slack", str(taken))
    drive(deps)
    said = [str(c) for c in notion.list_comments(PAGE)]
    assert any("Keep me" in c for c in said) and not any("Take me back" in c for c in said)
