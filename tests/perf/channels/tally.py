"""``make bench-channels``' tally: the three storms' figures and the forgeries' summed into the RESULT
line's figures, and the goals each must meet (the sizes asked, nothing lost, duplicated or forged
accepted, some forgeries actually sent)."""

from dataclasses import dataclass
from typing import Any

# The least each storm must deliver: Slack events, Pub/Sub pushes, calendar notifications.
FLOORS = {"slack": 300, "mail": 300, "calendar": 100}


@dataclass(frozen=True)
class Tally:
    events: int
    runs_started: int
    lost: int
    duplicated: int
    spoofed_accepted: int
    answered_in_thread: int
    forged_sent: int

    def line(self) -> str:
        return (
            f"RESULT events={self.events} runs_started={self.runs_started} lost={self.lost} "
            f"duplicated={self.duplicated} spoofed_accepted={self.spoofed_accepted} "
            f"answered_in_thread={self.answered_in_thread}"
        )


def tally(storms: dict[str, dict[str, int]], forged: dict[str, dict[str, int]]) -> Tally:
    """``storms``: each channel's figures (Slack's ``events``, mail's ``pushes``, calendar's
    ``notifications``, and ``runs_started``, ``lost``, ``duplicated``; mail's ``spoofed`` mails and
    ``spoofed_accepted``); ``forged``: each channel's forged deliveries, ``sent`` and ``accepted``."""
    slack, mail, calendar = storms["slack"], storms["mail"], storms["calendar"]
    sent = sum(f["sent"] for f in forged.values())
    return Tally(
        events=slack["events"] + mail["pushes"] + calendar["notifications"] + sent,
        runs_started=sum(s["runs_started"] for s in storms.values()),
        lost=sum(s["lost"] for s in storms.values()),
        duplicated=sum(s["duplicated"] for s in storms.values()),
        spoofed_accepted=sum(f["accepted"] for f in forged.values()) + mail["spoofed_accepted"],
        answered_in_thread=slack["answered_in_thread"],
        forged_sent=sent + mail["spoofed"],
    )


def missed(storms: dict[str, dict[str, int]], forged: dict[str, dict[str, Any]], got: Tally) -> list[str]:
    """The goals ``got`` (of ``storms`` and ``forged``) missed, in words; empty when all are met."""
    delivered = {
        "slack": storms["slack"]["events"],
        "mail": storms["mail"]["pushes"],
        "calendar": storms["calendar"]["notifications"],
    }
    return [
        *[
            f"{name}: {delivered[name]} delivered, fewer than {least}"
            for name, least in FLOORS.items()
            if delivered[name] < least
        ],
        *[f"{name}: no forged delivery sent" for name in FLOORS if not forged.get(name, {}).get("sent")],
        *(["no spoofed mail sent"] if not storms["mail"]["spoofed"] else []),
        *[
            f"{name}: {s['runs_started']} runs started, not {s['runs_expected']}"
            for name, s in storms.items()
            if s["runs_started"] != s["runs_expected"]
        ],
        *(
            [f"slack: {got.answered_in_thread} threads answered, not {storms['slack']['threads']}"]
            if got.answered_in_thread != storms["slack"]["threads"]
            else []
        ),
        *([f"lost={got.lost}"] if got.lost else []),
        *([f"duplicated={got.duplicated}"] if got.duplicated else []),
        *([f"spoofed_accepted={got.spoofed_accepted}"] if got.spoofed_accepted else []),
        *(["no run started"] if not got.runs_started else []),
    ]
