"""Who decides a run's request follows the roles: approving or answering needs the role the owner's
approvers name for the request's classes (a production deployment the owner's alone, unless the owner
lets admins); anyone at least an editor may reject."""

from datetime import UTC, datetime

import pytest

from shared.engine.services import humans
from shared.platform.errors import Forbidden
from shared.runs.domain.approval_digests import effect_digest
from shared.runs.domain.events import HumanRequested, HumanResponded, PlannedStep, RunPlanned
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from shared.workspace.domain.members import Approvers, Member, decision_classes
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps

AT = datetime(2026, 11, 23, tzinfo=UTC)
PROD = {"project": "site", "repository": "acme/site", "ref": "main", "target": "production"}
ELSEWHERE = effect_digest("add_comment", {"page_id": "other", "text": "x"})
PRODUCTION = effect_digest("deploy_vercel", PROD, production=True)


def waiting(effects: tuple[str, ...] = (), purpose: str = "approval", budget: bool = False) -> Deps:
    """A run of t1 that waits for request ``a`` of ``purpose`` naming ``effects``."""
    deps = make_deps()
    head = RunPlanned(seq=1, at=AT, goal="g", trigger="api", steps=[PlannedStep(tool="finish", args={})])
    ask = HumanRequested(
        seq=2, at=AT, request_id="a", step=0, purpose=purpose, prompt="p", effects=effects, budget=budget
    )
    assert deps.store.create_run("t1", "r1", [head, ask])
    return deps


def approve(deps: Deps, role: str) -> RunStatus:
    return humans.respond(deps, "t1", "r1", "approve", request_id="a", role=role).status


def choose(deps: Deps, **roles: str) -> None:
    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"approvers": Approvers.model_validate(roles)})

    deps.need_tenants().update("t1", change)


def test_the_classes_of_a_request() -> None:
    assert decision_classes("question", (), False, "prod:") == ("question",)
    assert decision_classes("approval", (PRODUCTION, ELSEWHERE), True, "prod:") == (
        "approval",
        "production",
        "beyond_reach",
        "budget",
    )
    assert Approvers().needed(("approval", "beyond_reach")) == "admin"
    assert Approvers().needed(("approval", "production")) == "owner"


@pytest.mark.parametrize(
    ("effects", "refused", "allowed"),
    [
        ((), "viewer", "editor"),
        ((ELSEWHERE,), "editor", "admin"),
        ((PRODUCTION,), "admin", "owner"),
    ],
)
def test_approving_needs_the_role_of_the_request_s_class(
    effects: tuple[str, ...], refused: str, allowed: str
) -> None:
    deps = waiting(effects)
    with pytest.raises(Forbidden, match=rf"your role \({refused}\) may not approve"):
        approve(deps, refused)
    assert approve(deps, allowed) == RunStatus.RUNNING


def test_the_owner_may_let_admins_approve_production_deployments() -> None:
    deps = waiting((PRODUCTION,))
    choose(deps, production="admin")
    assert approve(deps, "admin") == RunStatus.RUNNING


def test_an_editor_may_reject_what_they_may_not_approve() -> None:
    deps = waiting((PRODUCTION,))
    state = humans.respond(deps, "t1", "r1", "reject", request_id="a", role="editor")
    assert state.status == RunStatus.CANCELLED


def test_answering_a_question_follows_the_owner_s_choice() -> None:
    deps = waiting(purpose="question")
    choose(deps, question="admin")
    with pytest.raises(Forbidden, match=r"needs admin"):
        humans.respond(deps, "t1", "r1", "answer", text="yes", request_id="a", role="editor")
    state = humans.respond(deps, "t1", "r1", "answer", text="yes", request_id="a", role="admin")
    assert state.status == RunStatus.RUNNING


def test_a_decision_records_who_made_it() -> None:
    """The owner's timeline said "You chose approve" when an admin approved (no person kept)."""
    deps = waiting()
    admin = Member(
        member_id="m-grace", notion_user_id="g" * 32, name="Grace Hopper", role="admin", added_at=AT
    )
    humans.respond(deps, "t1", "r1", "approve", request_id="a", role="admin", by=admin)
    [decided] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanResponded)]
    assert (decided.by, decided.by_member) == ("Grace Hopper", "m-grace")
    unnamed = admin.model_copy(update={"name": "", "email": "grace@example.com"})
    deps = waiting()
    humans.respond(deps, "t1", "r1", "reject", request_id="a", role="admin", by=unnamed)
    [decided] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanResponded)]
    assert decided.by == "grace@example.com"
    assert "by" not in HumanResponded(seq=3, at=AT, request_id="a", decision="approve").model_dump()
