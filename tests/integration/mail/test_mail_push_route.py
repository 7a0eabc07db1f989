"""``POST /mail/push`` on the api, over the Firestore emulator and the Gmail sandbox: Pub/Sub's push with
its OIDC token starts a member's run and is answered 200; a push without it 401, another identity's
403, a malformed body 400, all storing nothing; a deployment without mailboxes answers 404. Erasing the
workspace forgets its mailbox, its refresh token and the keys of its mails."""

from __future__ import annotations

from typing import Any

from functions import openapi
from shared.notion.services.erasure import erase_workspace
from shared.workspace.adapters.firestore_erasure import FirestoreErasure
from tests.support.mail.mail_world import EDITOR, bearer, mail_container, mail_world
from tests.support.mail.mails import AGENT, mail, push
from tests.support.platform.fake_container import FakeContainer, client, json_body

__all__ = ["mail_world"]  # the fixture: the agent scribe's mailbox connected for Ada's workspace


def _api(world: dict[str, Any]) -> tuple[Any, FakeContainer]:
    fakes = mail_container(world)
    return client("api", fakes), fakes


def test_a_members_mail_pushed_to_the_api_starts_one_run(mail_world: dict[str, Any]) -> None:
    api, fakes = _api(mail_world)
    record = mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Release note", "draft it"))
    body = push(AGENT, int(record["historyId"]))
    answers = [api.post("/mail/push", data=body, headers=bearer(mail_world)) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert json_body(answers[0]) == {"result": "synced", "outcomes": ["started"], "full_sync": False}
    assert json_body(answers[1]) == {"result": "duplicate"}
    assert len(fakes.queue.tasks) == 1 and len(mail_world["sandbox"].sent(AGENT)) == 1


def test_refusals_say_why_and_store_nothing(mail_world: dict[str, Any]) -> None:
    api, fakes = _api(mail_world)
    record = mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Release note", "draft it"))
    body = push(AGENT, int(record["historyId"]))
    unsigned = api.post("/mail/push", data=body, headers={"Content-Type": "application/json"})
    foreign = api.post(
        "/mail/push", data=body, headers=bearer(mail_world, email="x@p.iam.gserviceaccount.com")
    )
    malformed = api.post("/mail/push", data=b'{"message": {}}', headers=bearer(mail_world))
    assert (unsigned.status_code, foreign.status_code, malformed.status_code) == (401, 403, 400)
    assert "OIDC token" in unsigned.get_data(as_text=True)
    assert fakes.queue.tasks == [] and mail_world["sandbox"].sent(AGENT) == []


def test_a_deployment_without_mailboxes_answers_404() -> None:
    answer = client("api", FakeContainer()).post(
        "/mail/push", data=b"{}", headers={"Authorization": "Bearer x"}
    )
    assert answer.status_code == 404 and "docs/mail.md" in answer.get_data(as_text=True)


def test_erasing_the_workspace_forgets_its_mailbox_its_token_and_its_mails(
    mail_world: dict[str, Any],
) -> None:
    api, fakes = _api(mail_world)
    db, tenant_id = mail_world["db"], mail_world["tenant"].tenant_id
    fakes.instance.built["erasures"] = FirestoreErasure(db)
    record = mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Release note", "draft it"))
    assert (
        api.post(
            "/mail/push", data=push(AGENT, int(record["historyId"])), headers=bearer(mail_world)
        ).status_code
        == 200
    )
    mailbox = fakes.mail.mailboxes.get(AGENT)
    assert mailbox is not None and mailbox.token_secret in fakes.secrets.values
    events = db.collection("tenants").document(tenant_id).collection("events")
    assert [d.id for d in events.stream()] == [f"mail-{record['id']}"]  # the mail's key, kept
    erased = erase_workspace(tenant_id, "operator", fakes.erasing())
    assert erased["erased"] is True
    assert mailbox.token_secret not in fakes.secrets.values  # Google's refresh token
    assert fakes.mail.mailboxes.get(AGENT) is None  # the history id
    assert list(db.collection("mail_mailboxes").stream()) == [] and list(events.stream()) == []
    later = mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Again", "still there?"))
    again = api.post("/mail/push", data=push(AGENT, int(later["historyId"])), headers=bearer(mail_world))
    assert json_body(again) == {"result": "unknown"}  # a push for it finds no mailbox


def test_a_question_and_a_reply_are_answered_in_the_contract_s_words(mail_world: dict[str, Any]) -> None:
    api, fakes = _api(mail_world)
    sandbox = mail_world["sandbox"]
    asked = sandbox.deliver(AGENT, mail(EDITOR, "Ask: the launch date", "when is it?"))
    answer = api.post("/mail/push", data=push(AGENT, int(asked["historyId"])), headers=bearer(mail_world))
    assert answer.status_code == 200 and json_body(answer)["outcomes"] == ["asked"]
    work = sandbox.deliver(AGENT, mail(EDITOR, "Tidy", "archive the done ones"))
    assert json_body(
        api.post("/mail/push", data=push(AGENT, int(work["historyId"])), headers=bearer(mail_world))
    )["outcomes"] == ["started"]
    [ours] = sandbox.sent(AGENT)
    reply = mail(EDITOR, "Re: Tidy", "Approve")
    reply["In-Reply-To"] = sandbox.thread(AGENT, ours["threadId"])[-1]["Message-ID"]
    replied = sandbox.deliver(AGENT, reply)
    answer = api.post("/mail/push", data=push(AGENT, int(replied["historyId"])), headers=bearer(mail_world))
    assert answer.status_code == 200 and json_body(answer)["outcomes"] == ["reply"]
    assert len(fakes.queue.tasks) == 2  # the Ask and the run: the reply started nothing
    said = openapi.document()["components"]["schemas"]["MailPushAnswer"]["properties"]["outcomes"]
    assert {"asked", "reply", "started"} <= set(said["items"]["enum"])  # each outcome is the contract's
