"""A run's tracker writes and their undo steps, called as the engine calls them, for the tracker undo
tests: ``write`` runs a tool (``update_issue``, ``create_issue``, ``update_task``...) through the
tenant's ``IssueWrites``; ``undo`` takes its recorded inverse back (``take_back``) and answers the
outcome. Also each tracker's sandbox connected to a stack's tenant."""

from typing import Any

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from shared.sync.services.connect import connect_gitlab, connect_linear
from shared.sync.services.issue_writes import IssueWrites
from shared.sync.services.motion import connect_motion
from shared.sync.services.task_writes import TaskWrites
from shared.tools import REGISTRY
from shared.tools.base import ToolContext
from shared.undo.domain.inverses import Effect, Inverse
from shared.undo.services.take_back import Taken, Trackers, inverse_of, take_back
from tests.support.platform.platform_fakes import FakeModel
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeSyncStore


def context(tenant_id: str, writes: IssueWrites, step: int) -> ToolContext:
    """Run ``r1``'s step ``step`` with the tenant's trackers (no Notion, no queue)."""
    return ToolContext(
        tenant_id=tenant_id,
        run_id="r1",
        step=step,
        key=f"r1:{step}:1",
        notion=None,
        model=FakeModel(),
        queue=None,  # type: ignore[arg-type]  # a tracker write never enqueues
        prompt=lambda text: text,
        trackers=writes,
    )


def write(tool: str, tenant_id: str, writes: IssueWrites, step: int, args: dict[str, Any]) -> dict[str, Any]:
    """``tool``'s output for ``args`` at ``step`` (its inverse in ``output["inverse"]``)."""
    found = REGISTRY[tool]
    return dict(found.run(context(tenant_id, writes, step), found.args.model_validate(args)))


def taken(tenant_id: str, writes: Any, out: dict[str, Any], seq: int) -> Taken:
    """What the undo step makes of ``out``'s inverse (``writes``: ``IssueWrites`` or a stand-in)."""
    effect = Effect(id=seq, step=seq, tool="tracker", inverse=Inverse.model_validate(out["inverse"]))
    return take_back(None, effect, Trackers(writes, tenant_id))  # type: ignore[arg-type]  # no Notion


def undone(tenant_id: str, writes: Any, out: dict[str, Any], seq: int) -> tuple[str, dict[str, Any]]:
    """The outcome of taking ``out``'s inverse back, and what the undo step records (its own way back,
    as ``{"inverse": ...}``, to take back in turn: an undo undone)."""
    effect = Effect(id=seq, step=seq, tool="tracker", inverse=Inverse.model_validate(out["inverse"]))
    found = take_back(None, effect, Trackers(writes, tenant_id))  # type: ignore[arg-type]  # no Notion
    return found.outcome, {"inverse": inverse_of(found, effect.inverse)}


def undo(tenant_id: str, writes: Any, out: dict[str, Any], seq: int) -> str:
    """The outcome of taking ``out``'s inverse back."""
    return taken(tenant_id, writes, out, seq).outcome


class PersonMeanwhile:
    """``IssueWrites`` (or Motion's ``TaskWrites``) whose next update, for the issue of the hook, is
    preceded (``before``) or followed (``after``) by a person's edit in the tracker: a person's change
    that lands between an undo's check and its write, or just after its write."""

    def __init__(self, inner: Any, issue: str, before: Any = None, after: Any = None) -> None:
        self.inner, self.issue, self.before, self.after = inner, issue, before, after
        self.updates: list[dict[str, Any]] = []  # what the undo wrote, in order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def motion(self) -> Any:
        """Motion's writes under the same person: their edit comes once, whichever side writes."""
        outer = self

        class Tasks:
            def __getattr__(self, name: str) -> Any:
                return getattr(outer.inner.motion, name)

            def update(
                self, at: Any, task_id: str, changes: dict[str, Any], unchanged_since: str = ""
            ) -> Any:
                return outer.update(at, task_id, changes, unchanged_since, outer.inner.motion)

        return Tasks()

    def update(
        self, at: Any, issue_id: str, changes: dict[str, Any], unchanged_since: str = "", writes: Any = None
    ) -> Any:
        hook, self.before = (self.before, None) if issue_id == self.issue else (None, self.before)
        if hook is not None:
            hook()
        out = (writes or self.inner).update(at, issue_id, changes, unchanged_since=unchanged_since)
        self.updates.append(dict(changes))
        hook, self.after = (self.after, None) if issue_id == self.issue else (None, self.after)
        if hook is not None:
            hook()
        return out


class WriteMeanwhile:
    """A tracker's API (Linear's) whose every ``update_issue`` is preceded by ``hook`` (which says when it
    acts): a person's edit landing after the undo's last read, as its write is on its way (the window no
    re-read closes)."""

    def __init__(self, inner: Any, hook: Any) -> None:
        self.inner, self.hook = inner, hook

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update_issue(self, *args: Any) -> Any:
        self.hook()
        return self.inner.update_issue(*args)


def linear_writes(stack: Any, meanwhile: Any = None) -> IssueWrites:
    """A sync stack's tenant connected to the Linear sandbox's team: its writes (no GitLab, no Motion);
    ``meanwhile``: a person's edit just before the next write reaches Linear (:class:`WriteMeanwhile`)."""
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    api = WriteMeanwhile(stack.mirroring.api, meanwhile) if meanwhile else stack.mirroring.api
    return IssueWrites(stack.secrets, stack.store, api, FakeSyncStore(), FakeGitLab())  # type: ignore[arg-type]  # no GitLab here


def gitlab_writes(lab: Any) -> IssueWrites:
    """A GitLab stack's tenant connected to the GitLab sandbox's project: its writes."""
    connect_gitlab(
        lab.tenant_id, {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": lab.url}, lab.linking
    )
    return IssueWrites(lab.secrets, FakeSyncStore(), FakeLinear(), lab.store, lab.api)


def motion_writes(mo: Any) -> tuple[IssueWrites, TaskWrites]:
    """A Motion stack's tenant connected to the Motion sandbox's workspace: its writes, and Motion's."""
    connect_motion(mo.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    tasks = TaskWrites(mo.secrets, mo.store, mo.api)
    no_lab: Any = (FakeSyncStore(), FakeGitLab())  # Motion only: GitLab's parts unused
    return IssueWrites(mo.secrets, FakeSyncStore(), FakeLinear(), *no_lab, motion=tasks), tasks
