"""The notification channels (``NotificationChannel``): a comment on the page a notification is about,
a message in the tenant's Slack channel or through its Discord webhook, an email through the relay.
Each says whether it can carry a notification for a tenant and where it goes, and sends it or finds
what an earlier attempt sent, over the ports of Notion, Slack, Discord, the relay and the secrets.
Signed links are minted as a mail is sent (``LinkMinter``) and go into that mail alone: never a
comment, a message, a record or a log. The delivery policy across channels is shared.notify.services.delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING

from shared.notify.domain import notifications as dn
from shared.notify.domain.notifications import Mail
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.provenance import signed
from shared.notify.domain.slack_threads import (
    THREAD_KEY,
    UNDO_EFFECTS_KEY,
    UNDO_KEY,
    approval_blocks,
    offered_effects,
    thread_of,
    undo_blocks,
)
from shared.platform.config import PlatformSecret
from shared.platform.errors import NotFound, PermanentError, TransientError, Unauthenticated
from shared.workspace.domain.integrations import Integration, chat_token_secret
from shared.workspace.domain.members import INVITE_KIND
from shared.workspace.domain.tenants import CONFIRMATION_KIND, Tenant, TenantStatus, same_address

if TYPE_CHECKING:
    from shared.notify.ports import Chat, ChatWebhooks, LinkMinter, Mailer
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import SecretStore

log = logging.getLogger(__name__)
# The tenant as the delivery read it -> Notion with its token (NotionAccess.for_tenant).
type NotionFor = Callable[[Tenant], TenantNotion]

# Email goes to ``Tenant.email_recipient``, except the mail asking a notification_email to confirm
# itself (``CONFIRMATION_KIND``, email only), which goes to that address while it is still the tenant's.
# A member invite's mail (``INVITE_KIND``) goes to the address invited while the invite is open.


class NotionComments:
    name = "notion_comment"

    def __init__(self, notion_for: NotionFor) -> None:
        # the tenant as the delivery read it → Notion with its token (NotionAccess.for_tenant): a
        # comment costs no second read of the tenant
        self._notion_for = notion_for

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if dn.page_of(task) is None:
            return "it is about no page"
        if tenant.status != TenantStatus.ACTIVE:
            return "the workspace's Notion connection is gone"
        return None

    def destination(self, tenant: Tenant) -> str:
        return ""  # the task's page

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        page_id, key, old = dn.page_of(task) or "", dn.ref_key(task), dn.markers(task)
        for comment in self._notion_for(tenant).list_comments(page_id):  # every comment of the page
            if signed(comment.get("rich_text"), [key], old):
                return str(comment.get("id", ""))
        return None

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        page_id, text = dn.page_of(task) or "", dn.comment_text(task)
        thread = task.data.get("discussion_id")  # an Ask's answer: a reply in the question's thread
        notion = self._notion_for(tenant)
        folded = self._fold(task, tenant, page_id, text)
        if folded:
            return folded
        comment = notion.add_comment(page_id, text, thread if isinstance(thread, str) else "")
        return str(comment.get("id", ""))

    def _fold(self, task: NotifyTask, tenant: Tenant, page_id: str, text: str) -> str:
        """A run's next decision on its page: the comment of its previous one (``data["replaces"]``,
        that notification's id) updated to say this one, so a run asks on its page in one comment.
        Its id; "" when there is none to update (then a comment is added)."""
        replaces = task.data.get("replaces")
        if not isinstance(replaces, str) or not replaces:
            return ""
        earlier = task.model_copy(update={"notification_id": replaces})
        notion = self._notion_for(tenant)
        for comment in notion.list_comments(page_id):
            if signed(comment.get("rich_text"), [dn.ref_key(earlier)], dn.markers(earlier)):
                try:
                    return str(notion.update_comment(str(comment.get("id", "")), text).get("id", ""))
                except NotFound:  # not this connection's, or gone meanwhile: a new comment
                    return ""
        return ""


class SlackMessages:
    """A message in the tenant's Slack channel, or, for a run asked in a Slack thread
    (``data["slack_thread"]``, shared.notify.domain.slack_threads), a reply in that thread: a
    decision asked there carries Approve and Decline buttons bound to its run and request."""

    name = "slack"

    def __init__(self, chat: Chat, secrets: SecretStore) -> None:
        self._chat, self._secrets = chat, secrets

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if Integration.SLACK not in tenant.integrations:
            return "Slack is not connected"
        if THREAD_KEY in task.data:
            return None if thread_of(task.data) is not None else "its Slack thread is malformed"
        if not tenant.settings.slack_channel_id:
            return "no Slack channel is chosen (slack_channel_id)"
        return None

    def _token(self, tenant: Tenant) -> str:
        try:
            return self._secrets.get(chat_token_secret(tenant.tenant_id))
        except NotFound:
            raise PermanentError("Slack was disconnected (its token is gone)") from None

    def destination(self, tenant: Tenant) -> str:
        return tenant.settings.slack_channel_id or ""

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        # The channel an earlier attempt posted to, though the owner may have chosen another since
        # (a record from before ``where`` was recorded: the current one).
        markers = (dn.slack_metadata(task), *dn.markers(task))  # its metadata, or an earlier text
        thread = thread_of(task.data)
        if thread is not None:  # a thread's replies are not in the channel's history
            return self._chat.find_reply(self._token(tenant), thread, markers, since, until)
        channel = where or self.destination(tenant)
        return self._chat.find_message(self._token(tenant), channel, markers, since, until)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        text, metadata, thread = dn.slack_text(task), dn.slack_metadata(task), thread_of(task.data)
        if thread is None:
            channel = tenant.settings.slack_channel_id or ""
            return self._chat.post_message(self._token(tenant), channel, text, metadata)
        asked, url = dn.decision_request(task), task.data.get("console_url")
        blocks = approval_blocks(*asked, task.text, url if isinstance(url, str) else "") if asked else []
        undoes = task.data.get(UNDO_KEY)
        if not asked and isinstance(undoes, str) and undoes == task.run_id:  # an ended run's button
            blocks = undo_blocks(undoes, text, offered_effects(task.data.get(UNDO_EFFECTS_KEY)))
        return self._chat.post_reply(self._token(tenant), thread, text, metadata, blocks)


class DiscordMessages:
    """A message through the tenant's Discord incoming webhook. A webhook's messages cannot be
    listed, so an attempt that may have posted cannot be checked: ``find`` refuses, and the delivery
    ends undeliverable rather than post twice (docs/notifications.md)."""

    name = "discord"

    def __init__(self, webhooks: ChatWebhooks, secrets: SecretStore) -> None:
        self._webhooks, self._secrets = webhooks, secrets

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        return None if Integration.DISCORD in tenant.integrations else "Discord is not connected"

    def destination(self, tenant: Tenant) -> str:
        return ""

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        raise PermanentError("a Discord webhook's messages cannot be searched")

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        try:
            url = self._secrets.get(chat_token_secret(tenant.tenant_id, Integration.DISCORD))
        except NotFound:
            raise PermanentError("Discord was disconnected (its webhook is gone)") from None
        return self._webhooks.post(url, dn.discord_text(task))


def sender_domain(sender: str) -> str:
    """The domain of the From address (``Notion Agent <agent@example.com>`` → ``example.com``): the
    right side of every Message-ID, as RFC 5322 advises."""
    return parseaddr(sender)[1].rpartition("@")[2] or "notion-agent.invalid"


class Emails:
    """Email through the deployment's relay (``mailer`` None: no ``smtp_host``, so no email)."""

    name = "email"

    def __init__(self, mailer: Mailer | None, secrets: SecretStore, domain: str, minter: LinkMinter) -> None:
        self._mailer, self._secrets, self._domain, self._minter = mailer, secrets, domain, minter

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if self._mailer is None:
            return "this deployment has no mail relay (smtp_host)"
        if _confirmation(task):
            return self._unable_to_confirm(task, tenant)
        if _invitation(task):
            return None if self._address(task, tenant) else "the invite was withdrawn or has expired"
        if self._address(task, tenant):
            return None
        if tenant.email_confirmed() is False:
            return (
                "no confirmed address: confirm notification_email (a link was sent to it) or choose "
                "another channel (Notion gave no owner email)"
            )
        return "no address: set notification_email (Notion gave no owner email)"

    def _unable_to_confirm(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if not self._address(task, tenant):
            return "its address is no longer notification_email (the setting changed)"
        if tenant.email_confirmed():
            return "notification_email is confirmed already"
        return None

    def destination(self, tenant: Tenant) -> str:
        return ""

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        return None  # sent mail cannot be searched: the same Message-ID goes again (module docstring)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        if self._mailer is None:
            raise PermanentError("this deployment has no mail relay (smtp_host)")
        try:
            password = self._secrets.get(PlatformSecret.SMTP_PASSWORD)
        except NotFound:
            log.error("email is failing: the platform secret %s is not set", PlatformSecret.SMTP_PASSWORD)
            raise PermanentError(f"the platform secret {PlatformSecret.SMTP_PASSWORD} is not set") from None
        try:
            links = self._minter.links(task, tenant)
        except NotFound:  # the operator's to fix; the run waits for this mail: retried, not dropped
            log.error(
                "email is failing: the platform secret %s is not set", PlatformSecret.SESSION_SIGNING_KEY
            )
            raise TransientError(
                f"the platform secret {PlatformSecret.SESSION_SIGNING_KEY} is not set"
            ) from None
        mail = Mail(
            to=self._address(task, tenant),
            subject=task.subject,
            text=dn.email_text(task, links),
            message_id=dn.email_message_id(task, self._domain),
        )
        try:
            return self._mailer.send(password, mail)
        except Unauthenticated as exc:  # the deployment's credentials, not the tenant's: the operator's
            log.error(
                "email is failing: %s (check smtp_username and %s)", exc.reason, PlatformSecret.SMTP_PASSWORD
            )
            raise

    @staticmethod
    def _address(task: NotifyTask, tenant: Tenant) -> str:
        """The recipient: the tenant's (``Tenant.email_recipient``); for a confirmation, the address
        it confirms while that is still notification_email; for an invite, its address while it is
        open. "": none."""
        if _invitation(task):
            return _invited(task, tenant)
        if not _confirmation(task):
            return tenant.email_recipient()
        chosen, asked = tenant.settings.notification_email, task.data.get("to")
        return chosen if chosen and isinstance(asked, str) and same_address(asked, chosen) else ""


def _confirmation(task: NotifyTask) -> bool:
    """Whether ``task`` asks a notification_email to confirm itself (email only, by our own code)."""
    return task.data.get("kind") == CONFIRMATION_KIND and task.channel == "email"


def _invitation(task: NotifyTask) -> bool:
    """Whether ``task`` mails a member invite's link to the address invited."""
    return task.data.get("kind") == INVITE_KIND and task.channel == "email"


def _invited(task: NotifyTask, tenant: Tenant) -> str:
    """The address ``task``'s invite was made for, while that invite is open; "" otherwise."""
    invite_id, asked, now = task.data.get("invite_id"), task.data.get("to"), datetime.now(UTC)
    for made in tenant.member_invites:
        if made.invite_id == invite_id and made.expires_at > now and isinstance(asked, str):
            return made.email if same_address(made.email, asked) else ""
    return ""
