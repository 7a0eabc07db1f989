"""The channels in a storm (``make bench-channels``): Slack events, Gmail's Pub/Sub pushes and Google
Calendar's notifications delivered twice, some late, shuffled, some with the instance killed, on a
Firestore emulator of its own and the sandboxes (the reliability storms' own code, tests/support/),
then forged ones: wrong Slack signatures, spoofed mail senders and push tokens, forged channel tokens.

Last line: ``RESULT events=<n> runs_started=<n> lost=0 duplicated=0 spoofed_accepted=0
answered_in_thread=<n>``, each figure asserted (:mod:`tests.perf.channels.tally`); exits 1 on a miss."""

import argparse
import os
import sys
import time

from google.cloud import firestore

from local.code_sandbox.testing import running_code_sandbox
from tests.perf.channels.tally import missed, tally
from tests.perf.emulator import firestore_emulator
from tests.support.calendar import calendar_storm
from tests.support.calendar.calendar_world import opened_calendar_world
from tests.support.mail import mail_storm
from tests.support.mail.mail_world import opened_mail_world
from tests.support.slack import slack_storm
from tests.support.slack.slack_world import slack_world

PROJECT = "bench-channels"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--slack", type=int, default=300, help="things said in Slack")
    parser.add_argument("--presses", type=int, default=40, help="waiting runs whose Approve is pressed")
    parser.add_argument("--mails", type=int, default=140, help="mails (a fifth of them spoofed)")
    parser.add_argument("--meetings", type=int, default=80, help="meetings made in the two calendars")
    parser.add_argument("--forged", type=int, default=20, help="forged deliveries per channel")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    storms, forged = {}, {}
    with firestore_emulator() as host, running_code_sandbox() as sandbox:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        db = firestore.Client(project=PROJECT)
        sandbox.admin.reset()
        world = slack_world(db, sandbox.admin, sandbox)
        storms["slack"] = slack_storm.storm(world, sandbox.admin, args.slack, args.presses)
        forged["slack"] = slack_storm.forged(world, args.forged)
        print(f"slack: {storms['slack']}, forged {forged['slack']}", flush=True)
        with opened_mail_world(db) as world:
            storms["mail"] = mail_storm.storm(world, args.mails)
            forged["mail"] = mail_storm.forged(world, args.forged)
        print(f"mail: {storms['mail']}, forged {forged['mail']}", flush=True)
        with opened_calendar_world(db) as world:
            calendar_storm.connected(world)
            storms["calendar"] = calendar_storm.storm(world, args.meetings)
            forged["calendar"] = calendar_storm.forged(world, args.forged)
        print(f"calendar: {storms['calendar']}, forged {forged['calendar']}", flush=True)
    got = tally(storms, forged)
    print(f"{got.forged_sent} forged or spoofed deliveries sent; {time.perf_counter() - started:.0f} s")
    goals = missed(storms, forged, got)
    for goal in goals:
        print(f"MISSED {goal}")
    print(got.line())
    return 1 if goals else 0


if __name__ == "__main__":
    sys.exit(main())
