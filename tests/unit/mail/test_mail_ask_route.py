"""``POST /mail-ask`` on plan: a malformed body is a dead letter; an Ask whose asker is no longer a
member, or whose thread is malformed, asks and sends nothing; a question holds within Ask's bound."""

from shared.mail.domain.ask_task import MailAskTask
from shared.memory.services import ask
from shared.notify.domain.mail_threads import MailThread, parse_mail_thread
from tests.support.platform.fake_container import FakeContainer, client, json_body

THREAD = MailThread("0123456789abcdef", "18c0000000000001")


def test_post_mail_ask_on_plan_asks_nothing_for_a_bad_body_a_gone_asker_or_a_bad_thread() -> None:
    fakes = FakeContainer()
    asked = {"tenant_id": "t1", "member_id": "m-gone", "event_key": "mail-1", "question": "q?"}
    answers = {
        name: json_body(client("plan", fakes).post("/mail-ask", json=asked | more))
        for name, more in (
            ("no thread", {}),
            ("gone", {"thread": THREAD.ref}),
            ("malformed", {"thread": "mail:../../etc:1"}),
        )
    }
    assert "dead_letter" in answers["no thread"] and "thread" in answers["no thread"]["reason"]
    assert answers["gone"] == answers["malformed"] == {"answered": False}
    assert not fakes.queue.tasks


def test_a_mail_thread_reference_holds_only_its_own_form() -> None:
    assert parse_mail_thread(THREAD.ref) == THREAD
    for bad in ("slack:T1:C1:1.2", "mail:XYZ:1", "mail:0123456789abcdef:", "mail:0123456789abcdef:a/b", 5):
        assert parse_mail_thread(bad) is None
    assert MailAskTask.model_fields["question"].metadata[-1].max_length == ask.QUESTION_CHARS
