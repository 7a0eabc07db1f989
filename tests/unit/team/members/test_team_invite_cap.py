"""Invites are capped a UTC day: three to one address (a re-sent invite counts again, in any
letter case) and fifty by one workspace. Past a cap: 429 with a reason in words and Retry-After to the
next UTC day; nothing mailed, nothing stored."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.platform.errors import TooManyRequests
from shared.platform.topology import Queue
from shared.team.services import team
from shared.workspace.domain.members import INVITES_PER_ADDRESS_DAY, INVITES_PER_TENANT_DAY, InvitesSent
from tests.support.platform.fake_container import FakeContainer
from tests.support.team.team import invite
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]


def _mailed(fakes: FakeContainer) -> int:
    return sum(1 for queue, _, _, _ in fakes.queue.tasks if queue == Queue.NOTIFY)


def test_an_address_is_sent_three_invites_a_day_then_429_with_nothing_mailed_or_stored(
    fakes: FakeContainer,
) -> None:
    ada = connect_as(fakes, ADA, "code-ada")["session"]
    sent = [invite(fakes, ada, "carol@example.com", "editor") for _ in range(INVITES_PER_ADDRESS_DAY)]
    assert [a.status_code for a in sent] == [201] * 3
    before, mailed = fakes.tenants.get(TENANT), _mailed(fakes)
    refused = invite(fakes, ada, "Carol@Example.COM", "viewer")  # the same mailbox, in other letters
    assert refused.status_code == 429 and refused.json is not None
    assert refused.json["error"] == "rate_limited"
    assert refused.json["reason"] == (
        "this address was sent 3 invites today, the most a day: send it again tomorrow (UTC)"
    )
    now = datetime.now(UTC)
    to_midnight = (
        datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) - now
    ).total_seconds()
    assert abs(int(refused.headers["Retry-After"]) - to_midnight) <= 2
    assert fakes.tenants.get(TENANT) == before and _mailed(fakes) == mailed  # nothing stored or mailed
    assert invite(fakes, ada, "dan@example.com", "editor").status_code == 201  # another address: its own
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.invites_sent.total == 4
    assert "carol" not in tenant.model_dump_json(include={"invites_sent"})  # addresses by their hash


def test_a_workspace_sends_fifty_invites_a_day_and_a_new_day_starts_anew(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")["session"]
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    full = InvitesSent(day=today, total=INVITES_PER_TENANT_DAY)
    fakes.tenants.save(tenant.model_copy(update={"invites_sent": full}))
    refused = invite(fakes, ada, "erin@example.com", "editor")
    assert refused.status_code == 429 and refused.json is not None
    assert refused.json["reason"].startswith("this workspace sent 50 invites today, the most a day")
    assert _mailed(fakes) == 0
    yesterday = InvitesSent(day="2000-01-01", total=INVITES_PER_TENANT_DAY, to={"x": 3})
    fakes.tenants.save(tenant.model_copy(update={"invites_sent": yesterday}))
    assert invite(fakes, ada, "erin@example.com", "editor").status_code == 201
    counted = fakes.tenants.get(TENANT)
    assert counted is not None and counted.invites_sent.day == today and counted.invites_sent.total == 1


def test_retry_after_is_the_time_to_the_next_utc_day(fakes: FakeContainer) -> None:
    connect_as(fakes, ADA, "code-ada")
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    late = datetime(2026, 3, 4, 23, 59, 30, tzinfo=UTC)

    def send() -> None:
        team.invite(
            TENANT,
            tenant.owner_member(),
            "carol@example.com",
            "editor",
            fakes.tenants,
            mailing=fakes.queue,
            key="k" * 32,
            now=late,
            frontend="https://app.test",
        )

    for _ in range(INVITES_PER_ADDRESS_DAY):
        send()
    with pytest.raises(TooManyRequests) as refused:
        send()
    assert refused.value.retry_after_s == 30.0
    late += timedelta(seconds=31)  # a new UTC day: the address may be invited again
    send()
