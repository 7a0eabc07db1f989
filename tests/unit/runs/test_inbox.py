"""The approvals inbox: ``GET /inbox`` lists every run waiting for a decision that
the person asking may make within their role, with the whole request and the role it needs; what
they may not decide, and runs not waiting, are left out."""

from datetime import UTC, datetime

from shared.runs.domain.approval_digests import effect_digest
from shared.runs.domain.events import HumanRequested, PlannedStep, RunPlanned
from shared.workspace.domain.members import Approvers
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team

AT = datetime.now(UTC)
ELSEWHERE = effect_digest("add_comment", {"page_id": "other", "text": "x"})


def waiting(
    t: Team, run_id: str, prompt: str, effects: tuple[str, ...] = (), purpose: str = "approval"
) -> None:
    """Run ``run_id`` of t1, waiting for request ``q-<run_id>`` asking ``prompt``."""
    head = RunPlanned(seq=1, at=AT, goal=prompt, trigger="api", steps=[PlannedStep(tool="finish", args={})])
    ask = HumanRequested(
        seq=2, at=AT, request_id=f"q-{run_id}", step=0, purpose=purpose, prompt=prompt, effects=effects
    )
    assert t.container.store.create_run("t1", run_id, [head, ask])


def listed(t: Team, role: str) -> dict[str, str]:
    answer = client("api", t.container).get("/inbox", headers={"Authorization": f"Bearer {t.sessions[role]}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = json_body(answer)
    assert body["more"] is False
    return {r["run_id"]: r["needs"] for r in body["runs"]}


def test_each_role_sees_the_decisions_it_may_make_with_the_whole_request() -> None:
    t = team()
    waiting(t, "r-plain", "Publish the draft?")
    waiting(t, "r-beyond", "Comment on another page?", (ELSEWHERE,))
    waiting(t, "r-question", "Which colour?", purpose="question")
    done = RunPlanned(seq=1, at=AT, goal="g", trigger="api", steps=[PlannedStep(tool="finish", args={})])
    assert t.container.store.create_run("t1", "r-running", [done])  # not waiting: never listed

    assert listed(t, "viewer") == {}
    assert listed(t, "editor") == {"r-plain": "editor", "r-question": "editor"}
    every = {"r-plain": "editor", "r-question": "editor", "r-beyond": "admin"}
    assert listed(t, "admin") == every
    assert listed(t, "owner") == every
    api = client("api", t.container)
    body = json_body(api.get("/inbox", headers={"Authorization": f"Bearer {t.sessions['editor']}"}))
    plain = next(r for r in body["runs"] if r["run_id"] == "r-plain")
    assert plain["waiting"]["prompt"] == "Publish the draft?"
    assert plain["waiting"]["request_id"] == "q-r-plain"


def test_the_owner_s_approvers_decide_who_sees_what() -> None:
    t = team()
    waiting(t, "r-beyond", "Comment on another page?", (ELSEWHERE,))

    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"approvers": Approvers.model_validate({"beyond_reach": "editor"})})

    t.container.tenants.update("t1", change)
    assert listed(t, "editor") == {"r-beyond": "editor"}


def test_a_run_s_view_names_the_role_that_decides_what_it_waits_for() -> None:
    """The run's page offered Approve to an editor that the api then refused; the
    view now says which role decides (``needs``), as the inbox does, under the owner's approvers."""
    t = team()
    waiting(t, "r-plain", "Publish the draft?")
    waiting(t, "r-beyond", "Comment on another page?", (ELSEWHERE,))
    done = RunPlanned(seq=1, at=AT, goal="g", trigger="api", steps=[PlannedStep(tool="finish", args={})])
    assert t.container.store.create_run("t1", "r-running", [done])
    api = client("api", t.container)

    def needs(run_id: str) -> object:
        answer = api.get(f"/runs/{run_id}", headers={"Authorization": f"Bearer {t.sessions['editor']}"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return json_body(answer)["needs"]

    assert (needs("r-plain"), needs("r-beyond"), needs("r-running")) == ("editor", "admin", None)

    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"approvers": Approvers.model_validate({"approval": "owner"})})

    t.container.tenants.update("t1", change)
    assert needs("r-plain") == "owner"
