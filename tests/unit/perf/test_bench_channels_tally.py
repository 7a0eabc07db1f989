"""make bench-channels' tally (tests/perf/channels/tally.py): the RESULT line's figures are the storms'
and forgeries' sums, and each goal missed is named: a storm under its floor, a channel with no forgery
sent, a forged delivery accepted, a delivery lost or duplicated."""

from tests.perf.channels.tally import missed, tally


def _storms(slack: int = 300, lost: int = 0, spoofed_accepted: int = 0) -> dict[str, dict[str, int]]:
    return {
        "slack": {
            "events": slack,
            "runs_started": 240,
            "lost": lost,
            "duplicated": 0,
            "answered_in_thread": 300,
            "runs_expected": 240,
            "threads": 300,
        },
        "mail": {
            "pushes": 310,
            "runs_started": 56,
            "lost": 0,
            "duplicated": 1,
            "spoofed": 28,
            "spoofed_accepted": spoofed_accepted,
            "runs_expected": 56,
        },
        "calendar": {
            "notifications": 120,
            "runs_started": 160,
            "lost": 0,
            "duplicated": 0,
            "runs_expected": 162,
        },
    }


def _forged(accepted: int = 0, calendar: int = 20) -> dict[str, dict[str, int]]:
    return {
        "slack": {"sent": 20, "accepted": accepted},
        "mail": {"sent": 20, "accepted": 0},
        "calendar": {"sent": calendar, "accepted": 0},
    }


def test_the_result_line_sums_the_storms_and_the_forgeries() -> None:
    got = tally(_storms(), _forged())
    assert got.line() == (
        "RESULT events=790 runs_started=456 lost=0 duplicated=1 spoofed_accepted=0 answered_in_thread=300"
    )
    assert got.forged_sent == 88  # 60 forged deliveries and 28 spoofed mails
    assert missed(_storms(), _forged(), got) == ["calendar: 160 runs started, not 162", "duplicated=1"]


def test_a_miss_is_named_for_each_goal() -> None:
    storms, forged = _storms(slack=299, lost=2, spoofed_accepted=1), _forged(accepted=3, calendar=0)
    got = tally(storms, forged)
    assert got.spoofed_accepted == 4 and got.lost == 2
    assert missed(storms, forged, got) == [
        "slack: 299 delivered, fewer than 300",
        "calendar: no forged delivery sent",
        "calendar: 160 runs started, not 162",
        "lost=2",
        "duplicated=1",
        "spoofed_accepted=4",
    ]
