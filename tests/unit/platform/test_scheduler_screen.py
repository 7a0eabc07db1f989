"""The local scheduler's screen (local/scheduler_screen.py, decision 0203): Force run calls the job
once, over HTTP, with the scheduler account's token for the function's URL, and shows the status it
answered; a job the stack lacks, or a form from another site, is refused with a reason and calls
nothing."""

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from local.scheduler import JOBS, LocalScheduler
from local.scheduler_screen import PATH, app
from local.stack import SCHEDULER_SERVICE_ACCOUNT
from local.tasks_emulator._oidc import verify_id_token
from local.wsgi_thread import ThreadedServer
from shared.platform.topology import Target


class Functions:
    """The functions' side: every request it gets, answering 202 and a count on ``/calendar/tick``,
    else 200."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (path, Authorization)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append((request.path, request.headers.get("Authorization", "")))
        tick = request.path.endswith("/calendar/tick")
        answer = Response('{"started": 1}\n' if tick else "{}", 202 if tick else 200)
        return answer(environ, start_response)


@pytest.fixture
def served() -> Iterator[tuple[Functions, LocalScheduler, str]]:
    functions = Functions()
    with ThreadedServer(functions, "functions") as target:
        scheduler = LocalScheduler(lambda t: f"{target.url}/{t.value}", SCHEDULER_SERVICE_ACCOUNT)
        with ThreadedServer(app(scheduler), "scheduler-screen") as screen:
            yield functions, scheduler, screen.url + PATH


def _status(html: str) -> str:
    found = re.search(r'<p role="status">([^<]*)</p>', html)
    assert found, html
    return unescape(found[1])


def test_the_screen_lists_each_job_with_its_schedule_and_a_force_run(
    served: tuple[Functions, LocalScheduler, str],
) -> None:
    functions, _, url = served
    shown = requests.get(url, timeout=30)
    assert shown.status_code == 200
    for job in JOBS:
        assert f"<th scope=row>{job.name}</th><td><code>{job.cron}</code></td>" in shown.text
        assert f"<code>{job.path}</code>" in shown.text
        assert f'aria-label="Force run {job.name}"' in shown.text
    assert "<code>*/5 * * * *</code>" in shown.text and "not run yet" in shown.text
    assert functions.calls == []  # showing calls nothing


def test_force_run_calls_the_job_once_with_the_scheduler_s_token(
    served: tuple[Functions, LocalScheduler, str],
) -> None:
    functions, scheduler, url = served
    done = requests.post(url, data={"job": "calendar-tick"}, timeout=60)
    assert done.status_code == 200
    assert _status(done.text) == (
        f"Force run of calendar-tick ({Target.PLAN.value} /calendar/tick): it answered HTTP 202: "
        '{"started": 1}'
    )
    assert [path for path, _ in functions.calls] == [f"/{Target.PLAN.value}/calendar/tick"]
    token = functions.calls[0][1].removeprefix("Bearer ")
    claims = verify_id_token(token, scheduler.url_of(Target.PLAN))
    assert claims["email"] == SCHEDULER_SERVICE_ACCOUNT
    assert scheduler.fired == [("calendar-tick", 202)]
    row = re.search(r"<th scope=row>calendar-tick</th>.*?</tr>", done.text)
    assert row and re.search(r"HTTP 202 at \d\d:\d\d:\d\d UTC", row[0]), done.text


@pytest.mark.parametrize(
    ("form", "headers", "status", "reason"),
    [
        ({"job": "no-such-job"}, {}, 404, "No job named “no-such-job” here; the jobs are plan-daily-fanout"),
        ({}, {}, 404, "No job named “(none)” here"),
        ({"job": "calendar-tick"}, {"Origin": "https://elsewhere.example"}, 403, "another site"),
    ],
)
def test_a_refused_force_run_says_why_and_calls_nothing(
    served: tuple[Functions, LocalScheduler, str],
    form: dict[str, str],
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    functions, scheduler, url = served
    refused = requests.post(url, data=form, headers=headers, timeout=30)
    assert refused.status_code == status
    assert reason in _status(refused.text)
    assert functions.calls == [] and scheduler.fired == []
