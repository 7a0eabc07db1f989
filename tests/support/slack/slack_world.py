"""A workspace of Ada (owner) and Bo (editor) with the code sandbox's Slack team installed, as a fixture."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from local.code_sandbox.testing import Admin, RunningSandbox
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.slack.adapters.firestore_installs import FirestoreSlackInstalls
from shared.slack.adapters.slack_web import SlackWebApi
from shared.slack.domain.installs import SlackInstall
from shared.slack.services.events import SlackIntake
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore, FirestoreWebhookEvents
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.members import Member
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.slack.slack_events import CHANNEL, SECRET, TEAM
from tests.support.workspace.firestore_tenants import NOW, tenant

BOT_TOKEN = "xoxb-sandbox-acme"
OWNER, EDITOR = "ada@acme.example", "bo@acme.example"


@pytest.fixture
def world(firestore_db: Any, admin: Admin, sandbox: RunningSandbox) -> dict[str, Any]:
    return slack_world(firestore_db, admin, sandbox)


def slack_world(firestore_db: Any, admin: Admin, sandbox: RunningSandbox) -> dict[str, Any]:
    """The workspace saved, the team installed and the sandbox's users made: the intake, the users by
    name, the tenant, the database, the queue and the runs (a thread's sessions' steers read them)."""
    tenants = FirestoreTenantStore(firestore_db)
    editor = Member(member_id="m-bo", notion_user_id="u-bo", email=EDITOR, role="editor", added_at=NOW)
    one = tenant("ws-slack", owner_user_id="u-ada", owner_email=OWNER, members=[editor])
    tenants.save(one)
    installs = FirestoreSlackInstalls(firestore_db)
    installs.put(
        SlackInstall(
            team_id=TEAM,
            tenant_id=one.tenant_id,
            bot_user_id="U0SANDBOX01",
            installed_at=NOW,
        )
    )
    queue = FakeQueue()
    runs = FirestoreRunStore(firestore_db)
    engine = make_deps()._replace(store=runs, queue=queue, tenants=tenants)
    intake = SlackIntake(
        signing_secret=SECRET,
        installs=installs,
        web=SlackWebApi(sandbox.url + "/slack/api/"),
        secrets=FakeSecrets({chat_token_secret(one.tenant_id): BOT_TOKEN}),
        tenants=tenants,
        ledger=FirestoreWebhookEvents(firestore_db),
        queue=queue,
        console_url="http://127.0.0.1:8080",
        sessions=FirestoreSessions(firestore_db),
        engine=lambda: engine,
    )
    users = {
        "ada": admin.slack_user("ada", OWNER, (CHANNEL,)),
        "bo": admin.slack_user("bo", EDITOR, (CHANNEL,)),
        "eve": admin.slack_user("eve", "eve@elsewhere.example", (CHANNEL,)),
    }
    return {"intake": intake, "users": users, "tenant": one, "db": firestore_db, "queue": queue, "runs": runs}


@contextmanager
def stopped_before_answering(intake: SlackIntake) -> Iterator[None]:
    """Within it, the instance stops when it would post in the thread (``chat.postMessage``): a
    delivery stopped after its record, before its mark."""
    real_reply = intake.web.reply

    def killed(*_args: Any) -> None:
        raise RuntimeError("the instance stopped before answering")

    object.__setattr__(intake.web, "reply", killed)
    try:
        with pytest.raises(RuntimeError):
            yield
    finally:
        object.__setattr__(intake.web, "reply", real_reply)
