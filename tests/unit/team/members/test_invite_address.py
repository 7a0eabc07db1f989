"""An invite's address is checked strictly where invites are made: an address holding
markup, quoting or spaces is a 400 that says what an address is, and nothing is stored or mailed."""

from datetime import UTC, datetime

import pytest

from shared.platform.errors import InvalidInput
from shared.platform.topology import Queue
from shared.team.services import team
from tests.support.platform.fake_container import FakeContainer
from tests.support.team.team import invite
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]

MARKUP = [
    '"><img src=x onerror=alert(1)>@example.com',
    "<b>grace</b>@example.com",
    "grace@example.com<script>",
    "grace@<i>example</i>.com",
    "gr'ace@example.com",
    "grace&amp;@example.com",
    "grace@exa`mple.com",
    'grace"@example.com',
    "gr ace@example.com",
    "grace@example.com\u2028",
    "grace@example",  # no domain beyond one label
    ".grace@example.com",
    "grace@-example.com",
    "grace@@example.com",
    "a" * 65 + "@example.com",
]


@pytest.mark.parametrize("address", MARKUP)
def test_an_address_with_markup_or_off_the_rule_is_a_400_and_nothing_is_kept(
    fakes: FakeContainer, address: str
) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    before = fakes.tenants.get(TENANT)
    refused = invite(fakes, ada["session"], address, "viewer")
    assert refused.status_code == 400, refused.get_data(as_text=True)
    said = refused.get_data(as_text=True)
    assert "email" in said and "such as ada@example.com" in said and "letters, digits" in said, said
    after = fakes.tenants.get(TENANT)
    assert before is not None and after is not None and after.member_invites == before.member_invites
    assert not [t for t in fakes.queue.tasks if t[0] == Queue.NOTIFY]


@pytest.mark.parametrize(
    "address", ["grace@example.com", "Grace.Hopper+team@mail.example.co.uk", "g_h-1%x@xn--bcher-kva.example"]
)
def test_an_ordinary_address_is_invited(fakes: FakeContainer, address: str) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    assert invite(fakes, ada["session"], address, "viewer").status_code == 201


def test_the_service_checks_the_address_for_its_other_callers(fakes: FakeContainer) -> None:
    connect_as(fakes, ADA, "code-ada")
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    owner = tenant.owner_member()
    with pytest.raises(InvalidInput, match=r"email is not one address such as ada@example\.com"):
        team.invite(
            TENANT,
            owner,
            "<b>x</b>@example.com",
            "viewer",
            fakes.tenants,
            mailing=fakes.queue,
            key="k",
            now=datetime.now(UTC),
            frontend="https://app.test",
        )
