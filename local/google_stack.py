"""Google on the local stack: the Gmail and Calendar sandboxes on one origin sharing Google's accounts
(the consent page, token and revoke endpoints of local/gmail_sandbox/accounts.py, so "Connect Google"
works), the Pub/Sub emulator carrying Gmail's notifications to the api's ``/mail/push``
(signed by local.pubsub_push), and a courier posting the Calendar's channel notifications to the api's
``/calendar/push`` as Google does. The stack (local.stack) starts and stops it; its settings and secret
are :meth:`GoogleParts.env` and :meth:`GoogleParts.secrets`."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from local.calendar_sandbox import screen as calendar_screen
from local.calendar_sandbox.app import CalendarSandbox
from local.gmail_sandbox import screen as gmail_screen
from local.gmail_sandbox.accounts import AUTH_PATH, CLIENT_ID, CLIENT_SECRET, REVOKE_PATH, TOKEN_PATH
from local.gmail_sandbox.app import GmailSandbox
from local.hook_courier import HookCourier
from local.processes import ProcessGroup, free_port
from local.pubsub_emulator import answers, emulator_argv, publisher, push_topic
from local.pubsub_push import PushSigner
from local.wsgi_thread import ThreadedServer
from shared.platform.config import PlatformSecret

if TYPE_CHECKING:
    from google.cloud.pubsub_v1 import PublisherClient

# terraform/mail.tf's topic and push subscription, their invoker as terraform names it (gmail_push).
TOPIC, SUBSCRIPTION = "na-gmail-push", "na-gmail-push"
INVOKER_ACCOUNT = "na-gmail-push"


class GoogleApis:
    """One WSGI origin for both sandboxes and their screens (``/_sandbox/gmail/screen``,
    ``/_sandbox/calendar/screen``): ``/calendar/...`` to the Calendar's, the rest (Google's
    accounts: ``/o/oauth2/v2/auth``, ``/token``, ``/revoke``; ``/gmail/v1/...``, ``/oauth2/v1/certs``)
    to Gmail's. Both read the one :class:`GoogleAccounts`, so either's token serves both."""

    def __init__(self, gmail: GmailSandbox, calendar: CalendarSandbox) -> None:
        self.gmail, self.calendar = gmail, calendar

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path == gmail_screen.PATH:  # a person's side of each, on the local stack
            return gmail_screen.serve_screen(self.gmail, environ, start_response)
        if path == calendar_screen.PATH:
            return calendar_screen.serve_screen(self.calendar, environ, start_response)
        calendar = path.startswith("/calendar/")
        return (self.calendar if calendar else self.gmail)(environ, start_response)


class GoogleParts:
    """``console_url``: the stack's one origin, where Google reaches the api (``/api/...``)."""

    def __init__(self, project: str, console_url: str) -> None:
        self.project, self.console_url = project, console_url
        self.emulator_port = free_port()
        self.emulator_host = f"127.0.0.1:{self.emulator_port}"
        # The push endpoint as the subscription's token names it: the api's /mail/push.
        self.push_audience = console_url + "/api/mail/push"
        self.topic = f"projects/{project}/topics/{TOPIC}"
        self.invoker = f"{INVOKER_ACCOUNT}@{project}.iam.gserviceaccount.com"
        self.gmail = GmailSandbox(publish=self._publish)
        self.calendar = CalendarSandbox(self.gmail.accounts)  # one Google: the same consents
        self.port, self.push_port = free_port(), free_port()  # served from :meth:`start`
        self.push = PushSigner(self.gmail.signer, self.push_audience, self.push_audience, self.invoker)
        self._servers: list[ThreadedServer] = []
        self.courier = HookCourier([("calendar", self.calendar.pushes, self.calendar.lock)])
        self._publisher: PublisherClient | None = None
        self._serving = False

    @property
    def url(self) -> str:
        """The sandboxes' origin (Google's APIs and token endpoint)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def screens(self) -> dict[str, str]:
        """Where a person writes a mail to an agent's address and adds an event to a calendar."""
        return {
            "gmail": self.url + "/_sandbox/gmail/screen",
            "calendar": self.url + "/_sandbox/calendar/screen",
        }

    def env(self) -> dict[str, str]:
        """The functions' settings for Google (docs/settings.md)."""
        return {
            "NA_GOOGLE_OAUTH_CLIENT_ID": CLIENT_ID,
            "NA_GOOGLE_AUTH_URL": self.url + AUTH_PATH,
            "NA_GOOGLE_TOKEN_URL": self.url + TOKEN_PATH,
            "NA_GOOGLE_REVOKE_URL": self.url + REVOKE_PATH,
            "NA_GMAIL_API_URL": self.url + "/",
            "NA_GOOGLE_CALENDAR_API_URL": self.url + "/calendar/v3/",
            "NA_GOOGLE_CERTS_URL": self.url + "/oauth2/v1/certs",
            "NA_MAIL_PUSH_AUDIENCE": self.push_audience,
            "NA_MAIL_PUSH_INVOKER": self.invoker,
            "NA_MAIL_TOPIC": self.topic,  # "Connect Google" watches a mailbox onto it
            "NA_CALENDAR_PUSH_ADDRESS": self.console_url + "/api/calendar/push",
        }

    def secrets(self) -> dict[str, str]:
        """The platform secret the Google OAuth client needs (the sandboxes' client)."""
        return {PlatformSecret.GOOGLE_OAUTH_CLIENT_SECRET.value: CLIENT_SECRET}

    def start_emulator(self, group: ProcessGroup, env: dict[str, str]) -> None:
        """Start the Pub/Sub emulator in ``group`` (waited for by :meth:`start`)."""
        group.start("pubsub", emulator_argv(self.emulator_port), env)

    def start(self, group: ProcessGroup) -> None:
        """Once the emulator answers: the topic and its push subscription to the signer, then the
        sandboxes, the signer and the calendar's courier served."""
        group.wait_until("pubsub", partial(answers, self.emulator_host), timeout_s=60)
        if self._serving:
            return
        self._servers = [
            ThreadedServer(GoogleApis(self.gmail, self.calendar), "google-sandboxes", self.port).start(),
            ThreadedServer(self.push, "pubsub-push-signer", self.push_port).start(),
        ]
        self.courier.start()
        self._serving = True
        subscription = f"projects/{self.project}/subscriptions/{SUBSCRIPTION}"
        push_topic(
            self.emulator_host,
            self.topic,
            subscription,
            endpoint=f"http://127.0.0.1:{self.push_port}",
            audience=self.push_audience,
            invoker=self.invoker,
        )

    def stop(self) -> None:
        """Stop what :meth:`start` served (the emulator stops with its process group)."""
        if not self._serving:
            return
        self.courier.stop()
        for server in self._servers:
            server.stop()
        self._servers = []
        if self._publisher is not None:
            self._publisher.transport.close()
            self._publisher = None
        self._serving = False

    def _publish(self, topic: str, data: bytes) -> None:
        if self._publisher is None:
            self._publisher = publisher(self.emulator_host)
        self._publisher.publish(topic, data).result(timeout=30)
