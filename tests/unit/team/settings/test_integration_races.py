"""PUT and DELETE of one integration at once, through api: whichever way they interleave, the tenant and
Secret Manager end agreeing (connected with a token that one of the PUTs sent and was answered 200
for, or disconnected without a token), and every answer is a 200 or a 409.

An interleaving runs one request (the inner) just before the n-th call the other (the outer) makes to
the tenant store or the secret store, for every n; the store calls are the only points where two
requests on different instances can interleave in a way these stores can see."""

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from shared.workspace.domain.integrations import Integration, code_token_secret
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.settings_api import connect

SECRET = code_token_secret("t1", Integration.GITHUB)
OLD, A, B = ("ghp_" + c * 36 for c in "oab")
type Request = Callable[[], TestResponse]


class Interleaving:
    """Runs ``inner`` once, just before the ``at``-th store call (from 0) of what runs first."""

    def __init__(self, fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch, at: int) -> None:
        self.at, self.calls = at, 0
        self.inner: Request | None = None
        self.answers: list[TestResponse] = []
        for store, names in ((fakes.tenants, ("get", "update")), (fakes.secrets, ("put", "delete"))):
            for name in names:
                monkeypatch.setattr(store, name, self._tapped(getattr(store, name)))

    def _tapped(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def tapped(*args: Any, **kwargs: Any) -> Any:
            if self.inner is not None and self.calls == self.at:
                inner, self.inner = self.inner, None
                self.answers.append(inner())
            self.calls += 1
            return call(*args, **kwargs)

        return tapped

    def run(self, outer: Request, inner: Request) -> bool:
        """Both requests; False when the outer one made fewer store calls (the inner then runs after)."""
        self.inner = inner
        self.answers.append(outer())
        if self.inner is None:
            return True
        self.answers.append(self.inner())
        return False


def _consistent(fakes: FakeContainer, answers: list[TestResponse], sent: dict[str, TestResponse]) -> None:
    assert all(a.status_code in (200, 409) for a in answers), [a.json for a in answers]
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    listed, token = Integration.GITHUB in tenant.integrations, fakes.secrets.values.get(SECRET)
    assert listed == (token is not None), f"listed={listed}, token={token!r}"
    if token is not None:  # the token of a PUT answered "connected", or the one connected before
        assert token == OLD or sent[token].status_code == 200


def _put(fakes: FakeContainer, auth: dict[str, str], token: str, sent: dict[str, TestResponse]) -> Request:
    def put() -> TestResponse:
        sent[token] = client("api", fakes).put("/integrations/github", headers=auth, json={"token": token})
        return sent[token]

    return put


def _delete(fakes: FakeContainer, auth: dict[str, str]) -> Request:
    return lambda: client("api", fakes).delete("/integrations/github", headers=auth)


SCENARIOS = ["put+delete", "delete+put", "put+put"]


@pytest.mark.parametrize("connected_before", [False, True])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_put_and_a_delete_or_two_puts_at_once_end_agreeing_however_they_interleave(
    monkeypatch: pytest.MonkeyPatch, scenario: str, connected_before: bool
) -> None:
    for at in range(100):
        with monkeypatch.context() as patches:
            fakes = FakeContainer()
            auth, sent = connect(fakes), dict[str, TestResponse]()
            if connected_before:
                assert _put(fakes, auth, OLD, {})().status_code == 200
            requests = {
                "put": iter([_put(fakes, auth, A, sent), _put(fakes, auth, B, sent)]),
                "delete": iter([]),
            }
            outer, inner = (next(requests[r], _delete(fakes, auth)) for r in scenario.split("+"))
            interleaved = Interleaving(fakes, patches, at)
            during = interleaved.run(outer, inner)
            _consistent(fakes, interleaved.answers, sent)
        if not during:
            return  # every point of the outer request was tried
    pytest.fail("the outer request makes more store calls than expected")


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


def _once_on_call[T](
    monkeypatch: pytest.MonkeyPatch, store: object, name: str, nth: int, then: Callable[[], T]
) -> list[T]:
    """Runs ``then`` right after the ``nth`` call (from 1) of ``store.name`` returns, once; the list
    it returns holds what ``then`` returned, once it has run."""
    original, calls, done = getattr(store, name), [0], list[T]()

    def tapped(*args: Any) -> Any:
        result = original(*args)
        calls[0] += 1
        if calls[0] == nth:
            monkeypatch.setattr(store, name, original)
            done.append(then())
        return result

    monkeypatch.setattr(store, name, tapped)
    return done


def test_a_delete_between_a_puts_first_write_and_its_listing_leaves_it_connected_with_its_token(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reported race (before: listed as connected, the token deleted): the DELETE came first."""
    auth, api = connect(fakes), client("api", fakes)
    deleted = _once_on_call(
        monkeypatch, fakes.secrets, "put", 1, lambda: api.delete("/integrations/github", headers=auth)
    )
    answer = api.put("/integrations/github", headers=auth, json={"token": A})
    assert deleted[0].status_code == 200 and answer.status_code == 200
    assert fakes.secrets.values[SECRET] == A
    listed = api.get("/integrations", headers=auth).json
    assert listed is not None and listed["integrations"]["github"] == {"connected": True, "account": "octo"}


def test_a_delete_between_a_puts_token_and_its_check_wins_and_the_put_asks_for_it_again(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DELETE lands once the PUT has listed the integration and written its token again, before
    the PUT's last look at the tenant: the PUT deletes its token and asks for it again."""
    auth, api = connect(fakes), client("api", fakes)
    deleted = _once_on_call(  # on the put's 2nd write, the one after the listing
        monkeypatch, fakes.secrets, "put", 2, lambda: api.delete("/integrations/github", headers=auth)
    )
    answer = api.put("/integrations/github", headers=auth, json={"token": A})
    assert deleted[0].json == {"integration": "github", "connected": False}
    assert answer.status_code == 409 and answer.json is not None
    assert "GitHub was disconnected meanwhile" in answer.json["reason"]
    assert "send the token again" in answer.json["reason"]
    assert SECRET not in fakes.secrets.values
    listed = api.get("/integrations", headers=auth).json
    assert listed is not None and listed["integrations"]["github"] == {"connected": False}


def test_a_put_landing_between_a_deletes_unlisting_and_its_secret_delete_loses_to_it(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PUT was answered first (connected), so the DELETE that ends after it has the last word."""
    auth, api = connect(fakes), client("api", fakes)
    answers = _once_on_call(  # on the DELETE's unlisting
        monkeypatch,
        fakes.tenants,
        "update",
        1,
        lambda: api.put("/integrations/github", headers=auth, json={"token": A}),
    )
    assert api.delete("/integrations/github", headers=auth).status_code == 200
    assert answers[0].status_code == 200
    assert SECRET not in fakes.secrets.values
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()


def test_a_put_whose_token_was_deleted_by_a_put_that_lost_to_a_delete_writes_it_again(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DELETE lands after PUT A's token is written; PUT B lands before A's cleanup, which so deletes
    B's token: A then finds the integration listed again and writes its own token once more."""
    auth, api = connect(fakes), client("api", fakes)
    answers: dict[str, TestResponse] = {}

    def put_b() -> None:
        answers["b"] = api.put("/integrations/github", headers=auth, json={"token": B})

    def delete_then_put_b_before_the_cleanup() -> None:
        answers["delete"] = api.delete("/integrations/github", headers=auth)
        _once_on_call(monkeypatch, fakes.tenants, "get", 1, put_b)  # A's look, before its cleanup

    _once_on_call(monkeypatch, fakes.secrets, "put", 2, delete_then_put_b_before_the_cleanup)
    answers["a"] = api.put("/integrations/github", headers=auth, json={"token": A})
    assert {k: v.status_code for k, v in answers.items()} == {"a": 200, "delete": 200, "b": 200}
    assert fakes.secrets.values[SECRET] == A
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == (Integration.GITHUB,)


def test_the_workspace_disconnected_during_a_put_keeps_no_token(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    disconnected: list[TestResponse] = []

    def disconnect() -> None:
        disconnected.append(api.delete("/connection", headers=auth))

    _once_on_call(monkeypatch, fakes.secrets, "put", 2, disconnect)
    answer = api.put("/integrations/github", headers=auth, json={"token": A})
    assert disconnected[0].status_code == 200
    assert answer.status_code == 409 and answer.json is not None
    assert "workspace was disconnected" in answer.json["reason"]
    assert SECRET not in fakes.secrets.values
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()
