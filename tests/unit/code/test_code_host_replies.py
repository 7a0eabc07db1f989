"""A successful reply from GitHub or Vercel that is not JSON (a proxy's or an outage page) or not of
the shape the adapter reads is a TransientError naming the service and what was wrong: never a bare
JSONDecodeError/KeyError/TypeError (which the engine would not record), never the token or the body."""

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.code.adapters.github import GitHubCodeHost
from shared.code.adapters.vercel import META_KEY, VercelDeployer
from shared.code.domain.code import CodeChange, DeployRequest, FileChange
from shared.platform.errors import TransientError
from tests.integration.assertions import assert_token_absent

TOKEN = "ghp_" + "5ecret" * 6
REPO, BRANCH = "acme/site", "agent/run-1-step-4"
Route = tuple[str, str]
PULL = {
    "number": 7,
    "html_url": f"https://github.test/{REPO}/pull/7",
    "state": "open",
    "merged_at": None,
    "head": {"ref": BRANCH, "sha": "commit2"},
}
GITHUB: dict[Route, Any] = {  # every request of open_pull_request on a new branch, with its good answer
    ("GET", f"/repos/{REPO}/pulls"): [],
    ("GET", f"/repos/{REPO}"): {"default_branch": "main"},
    ("GET", f"/repos/{REPO}/git/ref/heads/{BRANCH}"): None,  # 404: the branch is new
    ("GET", f"/repos/{REPO}/git/ref/heads/main"): {"object": {"sha": "base1"}},
    ("POST", f"/repos/{REPO}/git/refs"): {"ref": f"refs/heads/{BRANCH}", "object": {"sha": "base1"}},
    ("GET", f"/repos/{REPO}/git/commits/base1"): {"sha": "base1", "tree": {"sha": "tree1"}},
    ("GET", f"/repos/{REPO}/git/trees/tree1"): {
        "tree": [{"path": "index.html", "mode": "100644", "type": "blob", "sha": "blob1"}]
    },
    ("POST", f"/repos/{REPO}/git/trees"): {"sha": "tree2"},
    ("POST", f"/repos/{REPO}/git/commits"): {"sha": "commit2"},
    ("PATCH", f"/repos/{REPO}/git/refs/heads/{BRANCH}"): {"object": {"sha": "commit2"}},
    ("POST", f"/repos/{REPO}/pulls"): PULL,
}
DEPLOYMENT = {"id": "dpl_1", "url": "site-1.vercel.app", "readyState": "QUEUED", "target": None}
LISTED = {"uid": "dpl_1", "url": "site-1.vercel.app", "state": "READY", "meta": {META_KEY: "k1"}}
VERCEL: dict[Route, Any] = {
    ("GET", "/v2/user"): {"user": {"username": "me"}},
    ("GET", "/v6/deployments"): {"deployments": [LISTED], "pagination": {"next": None}},
    ("POST", "/v13/deployments"): DEPLOYMENT,
    ("GET", "/v13/deployments/dpl_1"): DEPLOYMENT,
}


def html_page() -> httpx.Response:
    """A proxy's page, echoing the request's Authorization header as some do."""
    page = f"<html><body>502 upstream down; request had Authorization: Bearer {TOKEN}</body></html>"
    return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}, text=page)


def wrong_type(good: Any) -> httpx.Response:
    """A list where an object is expected, an object where a list is."""
    return httpx.Response(200, json={"message": TOKEN} if isinstance(good, list) else [{"token": TOKEN}])


def without(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """``data`` without the key at ``dotted`` (``head.sha``)."""
    first, _, rest = dotted.partition(".")
    if not rest:
        return {k: v for k, v in data.items() if k != first}
    return data | {first: without(data[first], rest)}


def client(answers: dict[Route, Any], bad: Route | None, reply: httpx.Response | None) -> httpx.Client:
    """A local stand-in: ``answers`` as JSON (None is a 404), except ``reply`` for the ``bad`` route."""

    def answer(request: httpx.Request) -> httpx.Response:
        route = (request.method, request.url.path)
        if route == bad and reply is not None:
            return reply
        good = answers[route]
        return (
            httpx.Response(404, json={"message": "Not Found"})
            if good is None
            else httpx.Response(200, json=good)
        )

    return httpx.Client(transport=httpx.MockTransport(answer))


def github(bad: Route | None = None, reply: httpx.Response | None = None) -> GitHubCodeHost:
    return GitHubCodeHost("https://api.github.test", 5, client=client(GITHUB, bad, reply))


def vercel(bad: Route | None = None, reply: httpx.Response | None = None) -> VercelDeployer:
    return VercelDeployer("https://api.vercel.test", 5, client=client(VERCEL, bad, reply))


def change() -> CodeChange:
    files = [FileChange(path="index.html", content="<h1>Hello</h1>\n")]
    return CodeChange(repository=REPO, branch=BRANCH, title="t", body="b", commit_message="m", files=files)


def request() -> DeployRequest:
    return DeployRequest(project="site", repository=REPO, ref=BRANCH, target="preview", key="k1")


def assert_transient(
    call: Callable[[], object], service: str, caplog: pytest.LogCaptureFixture
) -> TransientError:
    """``call`` fails with a short, readable TransientError naming ``service``, without the token."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransientError) as caught:
        call()
    reason = caught.value.reason
    assert reason.startswith(service) and "reply" in reason, reason
    assert "\n" not in reason and len(reason) < 200 and "<html" not in reason, reason
    assert_token_absent(caught.value, TOKEN, caplog)
    return caught.value


def test_the_stand_ins_answer_the_whole_flow() -> None:
    """The good answers suffice, so each failure below comes from the one bad reply."""
    assert github().open_pull_request(TOKEN, change()).number == 7
    assert vercel().find_deployment(TOKEN, "site", "k1") is not None
    assert vercel().create_deployment(TOKEN, request()).url == "https://site-1.vercel.app"
    assert vercel().get_deployment(TOKEN, "dpl_1").state == "QUEUED"
    assert vercel().account(TOKEN) == "me"


GOOD_GITHUB = [route for route, good in GITHUB.items() if good is not None]


@pytest.mark.parametrize("route", GOOD_GITHUB, ids=" ".join)
@pytest.mark.parametrize("kind", ["html", "wrong type"])
def test_an_unreadable_github_reply_at_any_step_is_transient(
    route: Route, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = html_page() if kind == "html" else wrong_type(GITHUB[route])
    error = assert_transient(
        lambda: github(route, reply).open_pull_request(TOKEN, change()), "GitHub", caplog
    )
    assert route[1] in error.reason
    if kind == "html":
        assert "not JSON" in error.reason and "text/html" in error.reason


@pytest.mark.parametrize("missing", ["number", "html_url", "head.sha", "head"])
def test_a_pull_request_missing_a_key_is_transient(missing: str, caplog: pytest.LogCaptureFixture) -> None:
    created = httpx.Response(201, json=without(PULL, missing))
    opening = github(("POST", f"/repos/{REPO}/pulls"), created)
    error = assert_transient(lambda: opening.open_pull_request(TOKEN, change()), "GitHub", caplog)
    assert missing.rpartition(".")[2] in error.reason
    listed = httpx.Response(200, json=[without(PULL, missing)])
    finding = github(("GET", f"/repos/{REPO}/pulls"), listed)
    assert_transient(lambda: finding.find_pull_request(TOKEN, REPO, BRANCH), "GitHub", caplog)


@pytest.mark.parametrize("reply", [html_page, lambda: httpx.Response(200, json=[{"login": "me"}])])
def test_an_unreadable_github_account_reply_is_transient(
    reply: Callable[[], httpx.Response], caplog: pytest.LogCaptureFixture
) -> None:
    host = GitHubCodeHost("https://api.github.test", 5, client=client({}, ("GET", "/user"), reply()))
    assert_transient(lambda: host.account(TOKEN), "GitHub", caplog)


def vercel_calls(deployer: VercelDeployer) -> dict[Route, Callable[[], object]]:
    return {
        ("GET", "/v2/user"): lambda: deployer.account(TOKEN),
        ("GET", "/v6/deployments"): lambda: deployer.find_deployment(TOKEN, "site", "k1"),
        ("POST", "/v13/deployments"): lambda: deployer.create_deployment(TOKEN, request()),
        ("GET", "/v13/deployments/dpl_1"): lambda: deployer.get_deployment(TOKEN, "dpl_1"),
    }


@pytest.mark.parametrize("route", list(VERCEL), ids=" ".join)
@pytest.mark.parametrize("kind", ["html", "wrong type"])
def test_an_unreadable_vercel_reply_is_transient(
    route: Route, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = html_page() if kind == "html" else wrong_type(VERCEL[route])
    error = assert_transient(vercel_calls(vercel(route, reply))[route], "Vercel", caplog)
    assert route[1] in error.reason
    if kind == "html":
        assert "not JSON" in error.reason and "text/html" in error.reason


@pytest.mark.parametrize("missing", ["id", "url", "readyState"])
@pytest.mark.parametrize("route", [("POST", "/v13/deployments"), ("GET", "/v13/deployments/dpl_1")])
def test_a_deployment_missing_a_key_is_transient(
    route: Route, missing: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = httpx.Response(200, json=without(DEPLOYMENT, missing))
    error = assert_transient(vercel_calls(vercel(route, reply))[route], "Vercel", caplog)
    assert missing in error.reason


@pytest.mark.parametrize(
    "page",
    [
        {"pagination": {"next": None}},  # no list at all: not "no deployment", which would deploy twice
        {"deployments": {"dpl_1": LISTED}},
        {"deployments": [without(LISTED, "uid")]},
        {"deployments": ["dpl_1"]},
        {"deployments": [LISTED | {"meta": {}}], "pagination": {"next": "soon"}},
    ],
)
def test_a_deployment_list_of_the_wrong_shape_is_transient(
    page: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    deployer = vercel(("GET", "/v6/deployments"), httpx.Response(200, json=page))
    assert_transient(lambda: deployer.find_deployment(TOKEN, "site", "k1"), "Vercel", caplog)


def test_a_listed_deployment_still_uploading_has_no_url_yet() -> None:
    """Vercel lists a deployment whose upload is unfinished with a null url: that is no error."""
    page = {"deployments": [LISTED | {"url": None}], "pagination": {"next": None}}
    deployer = vercel(("GET", "/v6/deployments"), httpx.Response(200, json=page))
    found = deployer.find_deployment(TOKEN, "site", "k1")
    assert found is not None and (found.id, found.url, found.state) == ("dpl_1", "", "READY")
