"""The channel recipe (shared/notify/README.md): a channel added as one row of the channel table alone
is offered by the api's contract, accepted in PATCH /settings (and a name the table lacks refused),
and carries a notification through the live notifier the composition root builds from that table.
Also: the lists that cannot be derived from the table (the settings' default order, the console's,
Terraform's settings) agree with it."""

import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from functions import openapi
from shared.bootstrap import PORTS
from shared.bootstrap.notify import _notifier
from shared.notify.domain.notifications import NotificationStatus
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services import channel_table
from shared.notify.services.channel_table import CHANNELS, Channel, ChannelPorts, channel_names, channel_ports
from shared.platform.config import Settings
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.perf.coldstart.bench_coldstart import preloaded_ports
from tests.support.notify.notifications import Access, Live, live, task
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_api import connect

__all__ = ["live"]
ROOT = Path(__file__).resolve().parents[3]


class Pigeons:
    """A channel the product does not have: it carries every notification and remembers them."""

    name = "pigeon"

    def __init__(self) -> None:
        self.carried: list[str] = []

    def unable(self, *_: object, **__: object) -> str | None:
        return None  # it can carry anything, anywhere

    def destination(self, *_: object, **__: object) -> str:
        return ""

    def find(self, *_: object, **__: object) -> str | None:
        return None  # no attempt before this one

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        self.carried.append(task.subject)
        return f"coo-{len(self.carried)}"


@pytest.fixture
def pigeons(monkeypatch: pytest.MonkeyPatch) -> Pigeons:
    """A pigeon channel, added the recipe's way: a row of the table, and nothing else."""
    loft = Pigeons()

    def build(ports: ChannelPorts) -> Pigeons:
        return loft

    row = Channel("pigeon", "Carrier pigeon", "message_id", build)
    monkeypatch.setattr(channel_table, "CHANNELS", (*CHANNELS, row))
    return loft


def test_a_channel_added_to_the_table_is_offered_by_the_contract(pigeons: Pigeons) -> None:
    offered = openapi.document()["components"]["schemas"]["NotificationChannel"]["enum"]
    assert offered == [*channel_names()] and offered[-1] == "pigeon"


def test_a_channel_added_to_the_table_may_be_chosen_and_another_name_may_not(
    pigeons: Pigeons, fakes: FakeContainer
) -> None:
    auth = connect(fakes)
    api = client("api", fakes)
    chosen = api.patch("/settings", headers=auth, json={"notification_channels": ["pigeon", "email"]})
    assert chosen.status_code == 200, chosen.get_data(as_text=True)
    assert json_body(chosen)["settings"]["notification_channels"] == ["pigeon", "email"]
    refused = api.patch("/settings", headers=auth, json={"notification_channels": ["owl"]})
    said = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "no such notification channel: owl" in said and "pigeon" in said
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.settings.notification_channels == ["pigeon", "email"]  # unchanged


def test_without_its_row_the_same_name_is_refused(fakes: FakeContainer) -> None:
    auth = connect(fakes)
    refused = client("api", fakes).patch(
        "/settings", headers=auth, json={"notification_channels": ["pigeon"]}
    )
    assert refused.status_code == 400 and "no such notification channel: pigeon" in refused.get_data(
        as_text=True
    )


def test_a_channel_added_to_the_table_carries_a_notification(pigeons: Pigeons, live: Live) -> None:
    # the live notifier as the composition root builds it (shared/bootstrap/notify.py), over fakes
    settings = Settings(notifier_backend="live")
    part = SimpleNamespace(
        instance=SimpleNamespace(settings=settings),
        platform=SimpleNamespace(secrets=live.secrets),
        notion=SimpleNamespace(access=Access, notion=live.notion),
        chat=live.chat,
        discord=live.webhooks,
        mailer=live.mailer,
        notifications=live.records,
    )
    notifier = replace(live, notifier=_notifier(part))  # type: ignore[arg-type]  # a namespace standing in for the part
    notifier.change(notification_channels=["pigeon", "notion_comment"])
    assert notifier.deliver(task(notifier.page)) is True
    assert pigeons.carried == ["Run completed: plan the launch"] and notifier.comments() == []
    record = notifier.record()
    assert record.status == NotificationStatus.SENT and record.channel == "pigeon"
    assert record.message_id == "coo-1"  # kept under the row's sent id: a retry finds it


def test_each_channel_names_ports_and_settings_that_exist() -> None:
    for row in CHANNELS:
        assert set(row.ports) <= PORTS, row.name
        assert set(row.settings) <= set(Settings.model_fields), row.name


def test_the_default_order_of_preference_is_the_table_s() -> None:
    assert TenantSettings().notification_channels == channel_names()


def test_the_console_offers_the_table_s_channels_by_its_titles() -> None:
    form = (ROOT / "web/src/settings_form.tsx").read_text()
    offered = re.findall(r'^\s*\["(\w+)", "([^"]+)"\],?$', form, re.MULTILINE)
    assert offered == [(c.name, c.title) for c in CHANNELS]
    listed = (ROOT / "web/src/screens/notifications.tsx").read_text()
    assert all(re.search(rf"^\s*{c.name}: \"", listed, re.MULTILINE) for c in CHANNELS)


def test_terraform_sets_each_channel_s_settings() -> None:
    tf = (ROOT / "terraform/settings.tf").read_text()
    for row in CHANNELS:
        for field in row.settings:
            assert re.search(rf"^\s*NA_{field.upper()}\s*=", tf, re.MULTILINE), (row.name, field)


def test_the_notify_function_preloads_the_ports_of_every_channel() -> None:
    """functions/notify.py names its ports literally (the cold start bench reads them): a channel's
    ports are among them."""
    assert set(channel_ports()) <= set(preloaded_ports("notify"))
