"""Tenants, routing, OAuth states and webhook event records against the real Firestore emulator."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.agents.services.daily_schedule import TICK_FIELDS
from shared.workspace.adapters.firestore_tenants import (
    FirestoreOAuthStates,
    FirestoreTenantStore,
    FirestoreWebhookEvents,
)
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.members import InvitesSent
from shared.workspace.domain.tenants import EventSeen, Tenant, TenantStatus, tenant_id_for
from shared.workspace.domain.triggers import PageCreated, Schedule
from tests.support.workspace.firestore_tenants import NOW, at_once, tenant
from tests.support.workspace.skipped_edits import skipped

pytestmark = pytest.mark.integration


def test_a_tenant_round_trips_and_is_found_by_its_workspace(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    acme = tenant("ws-acme")
    store.save(acme)
    assert store.get(acme.tenant_id) == acme
    assert store.by_workspace("ws-acme") == acme
    assert store.by_workspace("ws-unknown") is None
    revoked = acme.model_copy(update={"status": TenantStatus.REVOKED})
    store.save(revoked)
    assert store.by_workspace("ws-acme") == revoked
    route = firestore_db.collection("workspaces").document("ws-acme").get().to_dict()
    assert route["tenant_id"] == acme.tenant_id and route["status"] == "revoked"
    doc = firestore_db.collection("tenants").document(acme.tenant_id).get().to_dict()
    # Every field, but agent_triggers, invites_sent, owner_name, integration_accounts and outbound_types,
    # left out while empty, and agent_schedules while None (a document from before agents, the invites'
    # daily caps, the tick's copy, the owner's name, the integrations' accounts or webhooks reads back
    # as it was)
    left_out = {
        "agent_triggers",
        "invites_sent",
        "agent_schedules",
        "owner_name",
        "integration_accounts",
        "outbound_types",
    }
    assert set(doc) == set(Tenant.model_fields) - left_out
    none_due = acme.model_copy(update={"agent_schedules": {}})  # the copy of a workspace without routines
    store.save(none_due)
    assert store.get(acme.tenant_id) == none_due
    with_agents = acme.model_copy(update={"agent_triggers": {"weekly": {"ds-1": [PageCreated()]}}})
    store.save(with_agents)
    assert store.get(acme.tenant_id) == with_agents
    assert "agent_triggers" in (
        firestore_db.collection("tenants").document(acme.tenant_id).get().to_dict() or {}
    )
    sent = InvitesSent(day="2026-01-05", total=2, to={"a1b2c3d4e5f60718": 2})
    with_invites = acme.model_copy(update={"invites_sent": sent})
    store.save(with_invites)
    assert store.get(acme.tenant_id) == with_invites  # the invites' daily counts, kept with the tenant
    store.save(acme)
    handed_over = acme.model_copy(update={"owner_since": NOW + timedelta(hours=1)})
    store.save(handed_over)
    assert store.get(acme.tenant_id) == handed_over
    doc = firestore_db.collection("tenants").document(acme.tenant_id).get().to_dict()
    assert isinstance(doc["owner_since"], datetime)  # a timestamp, compared with the runs' created_at
    signed_out = handed_over.model_copy(update={"signed_out_at": NOW + timedelta(hours=2, microseconds=7)})
    store.update(acme.tenant_id, lambda _: signed_out)
    assert store.get(acme.tenant_id) == signed_out
    doc = firestore_db.collection("tenants").document(acme.tenant_id).get().to_dict()
    assert isinstance(doc["signed_out_at"], datetime)  # a timestamp, compared with a session's iat


def test_an_update_that_empties_a_field_left_out_while_empty_deletes_it(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    acme = tenant("ws-acme")
    store.save(acme)
    rules = {"weekly": {"ds-1": [PageCreated()]}}

    def copies(triggers: dict[str, Any]) -> Callable[[Tenant | None], Tenant]:
        return lambda t: (t or acme).model_copy(update={"agent_triggers": triggers, "agent_schedules": {}})

    store.update(acme.tenant_id, copies(rules))
    store.update(acme.tenant_id, copies({}))  # its agent paused
    stored = store.get(acme.tenant_id)
    assert stored is not None and stored.agent_triggers == {} and stored.agent_schedules == {}
    doc = firestore_db.collection("tenants").document(acme.tenant_id).get().to_dict() or {}
    assert "agent_triggers" not in doc and doc["agent_schedules"] == {}


def test_routing_to_a_tenant_whose_id_is_not_the_derived_one_still_works(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    legacy = tenant("ws-legacy", tenant_id="t_legacy")
    store.save(legacy)
    assert store.by_workspace("ws-legacy") == legacy


def test_an_oauth_state_is_used_once_even_by_concurrent_callers(firestore_db: Any) -> None:
    states, until = FirestoreOAuthStates(firestore_db), NOW + timedelta(minutes=10)
    outcomes = at_once(lambda: states.use("k1", until), 4)
    assert sorted(outcomes) == [False, False, False, True]
    assert not states.use("k1", until)
    assert states.use("k2", until)  # another state is its own
    record = firestore_db.collection("oauth_states").document("k1").get().to_dict()
    assert record == {"expires_at": until}  # the TTL policy's field (terraform/firestore.tf)


def test_an_event_is_recorded_once_and_a_repeat_reports_when_it_was_first_seen(firestore_db: Any) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    later = NOW + timedelta(minutes=3)
    first = events.record("t1", "evt-1", EventSeen("page.created", NOW, NOW + timedelta(days=7)))
    again = events.record("t1", "evt-1", EventSeen("page.created", later, later + timedelta(days=7)))
    assert first.created and not again.created and again.first_seen == NOW
    assert first.event_type == again.event_type == "page.created"
    other = events.record("t1", "evt-1", EventSeen("api.run_requested:abc", later, later))
    assert not other.created and other.event_type == "page.created"  # what the first record was made with
    assert events.record(
        "t2", "evt-1", EventSeen("page.created", later, later)
    ).created  # another tenant's space
    doc = firestore_db.collection("tenants").document("t1").collection("events").document("evt-1").get()
    assert doc.to_dict()["expires_at"] == NOW + timedelta(days=7)


def test_routing_is_cached_for_its_ttl_only_for_found_tenants(firestore_db: Any) -> None:
    webhook_instance = FirestoreTenantStore(firestore_db, routing_ttl_s=0.5)
    api_instance = FirestoreTenantStore(firestore_db)
    assert webhook_instance.by_workspace("ws-new") is None
    acme = tenant("ws-new")
    api_instance.save(acme)
    assert webhook_instance.by_workspace("ws-new") == acme  # not-found is never cached
    revoked = acme.model_copy(update={"status": TenantStatus.REVOKED})
    api_instance.save(revoked)
    assert webhook_instance.by_workspace("ws-new") == acme  # another instance's change: within the TTL
    time.sleep(0.6)
    assert webhook_instance.by_workspace("ws-new") == revoked
    active = acme.model_copy(update={"status": TenantStatus.ACTIVE})
    webhook_instance.save(active)
    assert webhook_instance.by_workspace("ws-new") == active  # its own save: at once


def test_active_tenants_are_read_in_bounded_pages_in_id_order(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    active = sorted((tenant(f"ws-{i}") for i in range(5)), key=lambda t: t.tenant_id)
    for t in active:
        store.save(t)
    store.save(tenant("ws-revoked", status=TenantStatus.REVOKED))
    store.save(tenant("ws-reconnect", status=TenantStatus.NEEDS_RECONNECT))
    FirestoreWebhookEvents(firestore_db).record(
        active[0].tenant_id, "evt-1", EventSeen("page.created", NOW, NOW)
    )
    pages, after = [], None
    while page := store.active_page(after, 2):
        pages.append(page)
        after = page[-1].tenant_id
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [t for p in pages for t in p] == active  # whole tenants, no subcollection documents
    assert store.active_page(active[1].tenant_id, 10) == active[2:]
    assert store.active_page(None, 1) == active[:1]


def test_an_update_that_another_lands_before_is_applied_to_what_that_one_stored(firestore_db: Any) -> None:
    """Read, change, write conditioned on the read: no update undoes another (a disconnect during an
    integration's check stays a disconnect; two settings changed at once are both kept)."""
    store = FirestoreTenantStore(firestore_db, routing_ttl_s=60)
    acme = tenant("ws-acme")
    store.save(acme)
    assert store.by_workspace("ws-acme") == acme  # cached: an update refreshes it
    seen: list[TenantStatus] = []

    def revoke(t: Tenant | None) -> Tenant:
        assert t is not None
        return t.model_copy(update={"status": TenantStatus.REVOKED})

    def planning_hour(t: Tenant | None) -> Tenant:
        assert t is not None
        seen.append(t.status)
        if len(seen) == 1:
            store.update(t.tenant_id, revoke)  # lands between this update's read and its write
        return t.model_copy(update={"settings": t.settings.model_copy(update={"planning_hour": 6})})

    updated = store.update(acme.tenant_id, planning_hour)
    assert seen == [TenantStatus.ACTIVE, TenantStatus.REVOKED]  # refused once, then read again
    assert updated.status == TenantStatus.REVOKED and updated.settings.planning_hour == 6
    assert store.get(acme.tenant_id) == updated and store.by_workspace("ws-acme") == updated
    route = firestore_db.collection("workspaces").document("ws-acme").get().to_dict()
    assert route["status"] == "revoked"
    assert store.update(acme.tenant_id, lambda t: t or acme) == updated  # no change: nothing written
    fresh = store.update(tenant_id_for("ws-new"), lambda t: t or tenant("ws-new"))  # none yet: created
    assert store.get(fresh.tenant_id) == fresh and store.by_workspace("ws-new") == fresh


def test_a_record_past_its_expiry_is_gone_before_the_ttl_sweep_deletes_it(firestore_db: Any) -> None:
    """Firestore's TTL sweep may take a day: the record's own expires_at decides, and of callers
    replacing an expired record at once exactly one creates the new one."""
    events = FirestoreWebhookEvents(firestore_db)
    expiry = NOW + timedelta(days=7)
    events.record("t1", "request-r1", EventSeen("api.run_requested:a", NOW, expiry))
    assert not events.record(
        "t1", "request-r1", EventSeen("api.run_requested:b", expiry - timedelta(seconds=1), expiry)
    ).created
    later = expiry + timedelta(hours=1)  # expired, not yet swept
    results = at_once(
        lambda: (
            events.record(
                "t1", "request-r1", EventSeen("api.run_requested:b", later, later + timedelta(days=7))
            ).created
        ),
        4,
    )
    assert sorted(results) == [False, False, False, True]
    again = events.record("t1", "request-r1", EventSeen("api.run_requested:c", later, later))
    assert not again.created and again.event_type == "api.run_requested:b" and again.first_seen == later


def test_the_last_daily_tick_is_remembered_and_never_moves_back(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    assert store.last_tick() is None
    store.record_tick(NOW)
    assert store.last_tick() == NOW
    store.record_tick(NOW - timedelta(hours=1))  # an old tick's retry, late
    assert store.last_tick() == NOW
    ticks = [NOW + timedelta(hours=h) for h in range(1, 7)]
    at_once(lambda: store.record_tick(ticks.pop()), 6)  # six instances, six ticks, one document
    assert store.last_tick() == NOW + timedelta(hours=6)


def test_an_address_is_asked_by_at_most_its_bound_of_workspaces_a_day_even_at_once(firestore_db: Any) -> None:
    store = FirestoreTenantStore(firestore_db)
    expires = NOW + timedelta(days=2)
    assert store.ask_recipient("h1", "20261122", "t1", 3, expires)
    assert store.ask_recipient("h1", "20261122", "t1", 3, expires)  # the same workspace again: no new place
    workspaces = [f"t{n}" for n in range(2, 8)]
    taken = at_once(lambda: store.ask_recipient("h1", "20261122", workspaces.pop(), 3, expires), 6)
    assert sorted(taken) == [False, False, False, False, True, True]  # two places were left, for six
    doc = firestore_db.collection("email_recipients").document("h1-20261122").get().to_dict()
    assert len(doc["tenants"]) == 3 and "t1" in doc["tenants"] and doc["expires_at"] == expires
    assert store.ask_recipient("h1", "20261123", "t9", 3, expires)  # another day: counted afresh
    assert store.ask_recipient("h2", "20261122", "t9", 3, expires)  # another address too


def test_skipped_edits_fill_their_slots_and_list_the_week_newest_first(firestore_db: Any) -> None:
    """tenants/{t}/skipped_edits on Firestore: a slot is replaced, not added to; the range and order
    on ``at`` (the automatic index) give the week's, newest first, and only the tenant's."""
    events = FirestoreWebhookEvents(firestore_db)
    events.skip("t-skip", skipped("s001", "old", NOW - timedelta(days=9)))
    events.skip("t-skip", skipped("s002", "first", NOW - timedelta(days=2)))
    events.skip("t-skip", skipped("s003", "second", NOW - timedelta(days=1)))
    events.skip("t-skip", skipped("s002", "replaced", NOW - timedelta(hours=1)))
    events.skip("t-other", skipped("s004", "theirs", NOW))
    week = events.skipped("t-skip", NOW - timedelta(days=7))
    assert [(e.slot, e.rule) for e in week] == [("s002", "replaced"), ("s003", "second")]
    assert week[0].people == ["u1"] and week[0].at == NOW - timedelta(hours=1)
    assert len(events.skipped("t-skip", NOW - timedelta(days=30), limit=2)) == 2


def test_the_tick_s_stream_sends_only_the_fields_it_reads(firestore_db: Any) -> None:
    """``select`` as the emulator answers it: the tick's projection is all a streamed tenant holds,
    nested paths included; a tenant stored without ``home`` or ``agent_schedules`` reads them None."""
    store = FirestoreTenantStore(firestore_db)
    schedules = {"a1": (Schedule(every="daily", hour=9),)}
    home = AgentHome(tasks=HomeDatabase(database_id="db-t", data_source_id="ds-home"), parent_page_id="p")
    full = tenant("ws-full", home=home, agent_schedules=schedules, owner_email="o@example.com")
    bare = tenant("ws-bare")
    for t in (full, bare):
        store.save(t)
    found = {t.tenant_id: t for t in store.stream_active(None, 10, TICK_FIELDS)}
    read = found[full.tenant_id]
    assert read.agent_schedules == schedules and read.home == AgentHome(tasks=home.tasks)
    assert read.settings.data_source_ids == ["ds-1"] and read.settings.quiet_hours != (22, 7)
    assert read.owner_email == "" and read.bot_id == "" and read.plan_sources() == full.plan_sources()
    assert found[bare.tenant_id].home is None and found[bare.tenant_id].agent_schedules is None
    assert list(store.stream_active(None, 10)) == sorted((full, bare), key=lambda t: t.tenant_id)
