"""Connect Google over the Firestore emulator and the Google sandboxes (consent page, token and revoke
endpoints, Gmail, Calendar): the owner connects an agent's address and a member their calendar with
Google's web-server flow (offline access, PKCE); a bad, expired, replayed or foreign state, a refused
consent, a scope left unticked and another account are 4xx storing nothing (a grant so obtained is
revoked); disconnecting and erasing stop the watch or channel and revoke the grant at Google."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from shared.google.domain.consent import CALENDAR_READ, GMAIL_SEND, Consent
from shared.google.services.connect import Caller, begin, complete, mailbox_consent
from shared.google.services.disconnect import disconnect_calendar, disconnect_mailbox, forget_google
from shared.mail.domain.mailboxes import token_secret_name
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.workspace.domain.tenants import address_hash
from tests.support.google.google_world import AGENT, EDITOR, OWNER, TOPIC, consent, google_world

__all__ = ["google_world"]


def _ada(world: dict[str, Any]) -> Caller:
    return Caller(world["tenant"].tenant_id, "m-ada", "owner", "u-ada")


def _bo(world: dict[str, Any]) -> Caller:
    return Caller(world["tenant"].tenant_id, "m-bo", "editor", "u-bo")


def _start(world: dict[str, Any], who: Caller, what: Consent) -> str:
    return str(begin(who.tenant_id, who.member_id, what, world["parts"])["authorize_url"])


def _connect_mailbox(world: dict[str, Any]) -> str:
    ada = _ada(world)
    back = consent(_start(world, ada, mailbox_consent(AGENT, "scribe")), AGENT)
    return complete(ada, back, world["parts"])


def _connect_calendar(world: dict[str, Any]) -> str:
    bo = _bo(world)
    back = consent(_start(world, bo, Consent("calendar", EDITOR)), EDITOR)
    return complete(bo, back, world["parts"])


def test_the_owner_connects_an_agents_address_with_offline_access_and_pkce(
    google_world: dict[str, Any],
) -> None:
    world = google_world
    url = _start(world, _ada(world), mailbox_consent("Scribe@Acme.example", "scribe"))
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["access_type"] == "offline" and query["code_challenge_method"] == "S256"
    assert query["login_hint"] == AGENT and GMAIL_SEND in query["scope"].split()
    back = consent(url, AGENT)
    location = complete(_ada(world), back, world["parts"])
    assert location == "https://console.acme.example/#google=mailbox&connected=true"
    tenant_id = world["tenant"].tenant_id
    refresh = world["secrets"].get(token_secret_name(tenant_id, address_hash(AGENT)))
    assert refresh.startswith("1//") and refresh not in location
    mailbox = world["parts"].mail.mailboxes.get(AGENT)
    assert mailbox is not None and (mailbox.tenant_id, mailbox.agent_id, mailbox.topic) == (
        tenant_id,
        "scribe",
        TOPIC,
    )
    assert world["gmail"].boxes[AGENT].watch["topicName"] == TOPIC
    with pytest.raises(InvalidInput, match="already used"):  # the redirect replayed
        complete(_ada(world), back, world["parts"])


def test_a_member_connects_their_own_calendar(google_world: dict[str, Any]) -> None:
    world = google_world
    url = _start(world, _bo(world), Consent("calendar", EDITOR))
    assert CALENDAR_READ in parse_qs(urlparse(url).query)["scope"][0].split()
    assert _connect_calendar(world).endswith("#google=calendar&connected=true")
    link = world["parts"].calendar.links.get(EDITOR)
    assert link is not None and link.tenant_id == world["tenant"].tenant_id and link.notion_user_id == "u-bo"
    assert [c.calendar.owner for c in world["calendar"].channels.values()] == [EDITOR]


def test_bad_expired_foreign_and_replayed_states_store_nothing(google_world: dict[str, Any]) -> None:
    world, parts = google_world, google_world["parts"]
    ada = _ada(world)
    back = consent(_start(world, ada, mailbox_consent(AGENT, "scribe")), AGENT)
    for who, args, said in (
        (ada._replace(member_id="m-bo"), back, "another person"),
        (ada._replace(tenant_id="t-other"), back, "another person"),
        (ada, back | {"state": back["state"][:-4] + "AAAA"}, "not valid"),
        (ada, back | {"state": ""}, "lacks its state"),
    ):
        with pytest.raises(InvalidInput, match=said):
            complete(who, args, parts)
    late = parts._replace(now=lambda: parts.now() + 3600)
    with pytest.raises(InvalidInput, match="expired"):
        complete(ada, back, late)
    assert parts.mail.mailboxes.get(AGENT) is None and world["gmail"].boxes.get(AGENT) is None


def test_a_refused_consent_a_missing_scope_and_another_account_connect_nothing(
    google_world: dict[str, Any],
) -> None:
    world, parts = google_world, google_world["parts"]
    ada = _ada(world)
    denied = consent(_start(world, ada, mailbox_consent(AGENT, "scribe")), AGENT, decision="cancel")
    with pytest.raises(InvalidInput, match="access_denied"):
        complete(ada, denied, parts)
    with pytest.raises(InvalidInput, match="already used"):  # the denial used the state up
        complete(ada, denied, parts)
    unticked = consent(_start(world, ada, mailbox_consent(AGENT, "scribe")), AGENT, untick=(GMAIL_SEND,))
    with pytest.raises(InvalidInput, match=r"left out gmail\.send"):
        complete(ada, unticked, parts)
    other = consent(_start(world, ada, mailbox_consent(AGENT, "scribe")), OWNER)
    with pytest.raises(InvalidInput, match=r"another account than scribe@acme\.example"):
        complete(ada, other, parts)
    assert world["gmail"].accounts.revocations == [AGENT, OWNER]  # each grant so obtained is revoked
    assert parts.mail.mailboxes.get(AGENT) is None and world["gmail"].boxes.get(AGENT) is None


def test_a_mailbox_consent_completed_by_someone_no_longer_the_owner_is_refused(
    google_world: dict[str, Any],
) -> None:
    world = google_world
    back = consent(_start(world, _ada(world), mailbox_consent(AGENT, "scribe")), AGENT)
    with pytest.raises(Forbidden, match="owner"):
        complete(_ada(world)._replace(role="admin"), back, world["parts"])
    assert world["parts"].mail.mailboxes.get(AGENT) is None


def test_another_workspaces_address_is_a_conflict(google_world: dict[str, Any]) -> None:
    world = google_world
    _connect_mailbox(world)
    with pytest.raises(Conflict, match="another workspace"):
        begin("t-other", "m-x", mailbox_consent(AGENT, "scribe"), world["parts"])


def test_disconnecting_stops_the_watch_and_the_channel_and_revokes_each_grant(
    google_world: dict[str, Any],
) -> None:
    world, parts = google_world, google_world["parts"]
    tenant_id = world["tenant"].tenant_id
    _connect_mailbox(world)
    _connect_calendar(world)
    with pytest.raises(NotFound):
        disconnect_mailbox("t-other", AGENT, parts)
    assert disconnect_mailbox(tenant_id, AGENT, parts) == {"address": AGENT, "connected": False}
    assert world["gmail"].stops == [AGENT] and world["gmail"].accounts.revocations == [AGENT]
    assert parts.mail.mailboxes.get(AGENT) is None
    with pytest.raises(NotFound):
        world["secrets"].get(token_secret_name(tenant_id, address_hash(AGENT)))
    assert disconnect_calendar(tenant_id, EDITOR, parts) == {"person": EDITOR, "connected": False}
    assert world["calendar"].channels == {} and "POST channels/stop" in world["calendar"].calls
    assert world["gmail"].accounts.revocations == [AGENT, EDITOR]
    assert parts.calendar.links.get(EDITOR) is None
    with pytest.raises(NotFound):
        disconnect_calendar(tenant_id, EDITOR, parts)


def test_erasing_the_workspace_stops_and_revokes_every_grant(google_world: dict[str, Any]) -> None:
    world, parts = google_world, google_world["parts"]
    _connect_mailbox(world)
    _connect_calendar(world)
    assert forget_google(world["tenant"].tenant_id, parts) == 2
    assert world["gmail"].stops == [AGENT] and world["calendar"].channels == {}
    assert sorted(world["gmail"].accounts.revocations) == [EDITOR, AGENT]
    assert parts.mail.mailboxes.get(AGENT) is None
