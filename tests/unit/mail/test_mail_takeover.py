"""A mail whose first delivery stopped is taken over by one delivery per slot of its age (decision
0219's twin rule, with the takeover claimed in the ledger): two twins arriving together past the
first's time cannot both answer it, and a taker that stops too leaves the next slot to another."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from shared.mail.services.intake import IN_FLIGHT, MailIntake, _takes_over
from tests.support.workspace.workspace_fakes import FakeWebhookEvents

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_one_delivery_takes_over_a_stopped_mail_in_each_slot() -> None:
    intake = cast(MailIntake, cast(Any, type("Intake", (), {"ledger": FakeWebhookEvents()}))())
    late = IN_FLIGHT + timedelta(seconds=5)
    assert _takes_over(intake, "t1", "mail-m1", late, NOW) is True
    assert _takes_over(intake, "t1", "mail-m1", late, NOW) is False  # its twin, at the same moment
    assert _takes_over(intake, "t1", "mail-m2", late, NOW) is True  # another mail is its own
    next_slot = 2 * IN_FLIGHT + timedelta(seconds=1)
    assert _takes_over(intake, "t1", "mail-m1", next_slot, NOW + IN_FLIGHT) is True  # the taker stopped too
