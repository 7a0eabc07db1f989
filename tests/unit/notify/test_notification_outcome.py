"""A notification record's finish and move are one definition each (``Outcome``, ``Move``), shared by
the Firestore log and the tests' fake: what they write is the record's fields, and nothing else."""

from datetime import UTC, datetime, timedelta

from shared.notify.domain.notifications import Move, NotificationRecord, NotificationStatus, Outcome

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_an_outcome_ends_the_lease_and_keeps_the_recorded_channel_unless_given() -> None:
    sent = Outcome(NotificationStatus.SENT, channel="slack", message_ts="1700000000.0001").changes(NOW)
    assert sent["lease_until"] == NOW and sent["updated_at"] == NOW and sent["channel"] == "slack"
    refused = Outcome(NotificationStatus.UNDELIVERABLE, reason="no channel").changes(NOW)
    assert "channel" not in refused and refused["reason"] == "no channel"


def test_an_outcome_and_a_move_write_only_fields_a_record_has() -> None:
    until = NOW + timedelta(minutes=5)
    written = {
        *Outcome(NotificationStatus.SENT, channel="email", message_id="<m@x>").changes(NOW),
        *Move("discord", "slack refused it", until, where="C1").changes(NOW),
    }
    assert written <= set(NotificationRecord.model_fields)  # its fields
    assert Move("discord", "", until).changes(NOW) == {
        "channel": "discord",
        "reason": "",
        "lease_until": until,
        "where": "",
        "updated_at": NOW,
    }
