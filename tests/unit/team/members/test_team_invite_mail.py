"""A member invite is mailed to the address invited: the task carries no link,
notify mints the same link the answer showed once, and a withdrawn invite is mailed to nobody."""

from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.channels import Emails
from shared.notify.services.links import LinkMinter
from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue
from shared.workspace.domain.members import INVITE_KIND
from tests.support.notify.notify_fakes import FakeMailer
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.team.team import invite
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]


def _emails(fakes: FakeContainer, mailer: FakeMailer) -> Emails:
    fakes.secrets.put(PlatformSecret.SMTP_PASSWORD, mailer.password)
    minter = LinkMinter(fakes.secrets, fakes.settings.api_url, 3600.0, frontend_url="https://app.test")
    return Emails(mailer, fakes.secrets, "example.com", minter)


def _invite_task(fakes: FakeContainer) -> NotifyTask:
    mailed = [body for queue, body, _, _ in fakes.queue.tasks if queue == Queue.NOTIFY]
    assert len(mailed) == 1 and isinstance(mailed[0], NotifyTask)
    return mailed[0]


def test_the_invite_s_link_is_mailed_to_its_address_minted_as_it_is_sent(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    made = invite(fakes, ada["session"], "Grace@Example.com", "editor")
    assert made.status_code == 201 and made.json is not None
    link = str(made.json["link"])
    assert link.startswith("https://app.test#invite=namem_")
    task = _invite_task(fakes)
    assert task.channel == "email" and task.data["kind"] == INVITE_KIND
    code = link.split("#invite=", 1)[1].split("&", 1)[0]
    assert code not in task.model_dump_json() and "#invite" not in task.model_dump_json()
    mailer = FakeMailer()
    emails = _emails(fakes, mailer)
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and emails.unable(task, tenant) is None
    emails.send(task, tenant)
    (mail,) = mailer.sent
    assert mail.to == "Grace@Example.com" and "as editor" in mail.text
    assert link in mail.text.split()  # the very link the answer showed, whole


def test_a_withdrawn_invite_is_mailed_to_nobody(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    made = invite(fakes, ada["session"], "grace@example.com", "viewer")
    assert made.json is not None
    gone = client("api", fakes).delete(
        f"/team/invites/{made.json['invite_id']}", headers=auth(ada["session"])
    )
    assert gone.status_code == 200
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    assert (
        _emails(fakes, FakeMailer()).unable(_invite_task(fakes), tenant)
        == "the invite was withdrawn or has expired"
    )


def test_inviting_an_address_again_renews_its_invite_and_mails_it_again(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    first = invite(fakes, ada["session"], "grace@example.com", "viewer").json
    again = invite(fakes, ada["session"], "Grace@Example.com", "editor").json
    assert first is not None and again is not None
    # the same invite, so the first mail's link still admits her, and as the role given last
    assert again["invite_id"] == first["invite_id"] and again["link"] == first["link"]
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    (renewed,) = tenant.member_invites
    assert renewed.role == "editor" and renewed.email == "Grace@Example.com"
    mailed = [body for queue, body, _, _ in fakes.queue.tasks if queue == Queue.NOTIFY]
    assert len(mailed) == 2 and all(isinstance(m, NotifyTask) for m in mailed)
    assert len({m.notification_id for m in mailed if isinstance(m, NotifyTask)}) == 2
    gone = client("api", fakes).delete(f"/team/invites/{first['invite_id']}", headers=auth(ada["session"]))
    assert gone.status_code == 200  # what the first answer named is still there to withdraw
