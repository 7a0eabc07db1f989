"""Mail in the storm (docs/mail.md, decision 0219): members' mails asking for work or a question,
strangers' and spoofed ones arriving in waves, on the Firestore emulator and the Gmail sandbox. Each
Pub/Sub push is delivered twice (one in four of the pairs at the same moment), one in four again late,
all shuffled across waves, and a third of the mails' pushes see the function killed after its write
(the ledger's record, or after the run and the thread's reply, before the mark), a few after the
history id was stored, Pub/Sub delivering again after each 500 or 503. Each member's mail starts one
run (or Ask), none is lost, each run's thread gets one reply; prints ``RESULT mail_pushes=<n>
runs_started=<n> lost=0 duplicated=0``, each figure asserted, and adds its runs to the storm's totals."""

from typing import Any

import pytest

from tests.reliability.conftest import counted, scale
from tests.support.mail.mail_storm import forged, storm
from tests.support.mail.mail_world import mail_world

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
__all__ = ["mail_world"]  # the agent scribe's mailbox connected for Ada's workspace


def test_each_mail_starts_one_run_and_gets_one_reply_however_pubsub_pushes(
    mail_world: dict[str, Any],
) -> None:
    figures = storm(mail_world, scale(15, 120))
    counted(
        figures,
        f"RESULT mail_pushes={figures['pushes']} runs_started={figures['runs_started']} "
        f"lost={figures['lost']} duplicated={figures['duplicated']}",
    )
    assert figures["spoofed"] > 0


def test_a_forged_push_starts_nothing(mail_world: dict[str, Any]) -> None:
    assert forged(mail_world, 4) == {"sent": 4, "accepted": 0}
    assert mail_world["queue"].tasks == []
