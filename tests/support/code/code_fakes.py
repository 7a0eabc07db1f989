"""Code's ports faked for unit tests: GitHub's and Vercel's calls a fake does not script (refused), and the
accounts every code host, deployer and chat answers for."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.code.domain.code import (
    ChangedFile,
    CheckResult,
    CodeChange,
    Comment,
    Deployment,
    DeployRequest,
    PullRequest,
)
from shared.code.ports import CodeHost, Deployer
from shared.notify.ports import Chat, SlackMarkers
from shared.platform.errors import TransientError, Unauthenticated


class UnfakedCodeChecks:
    """The code host's checks, drafts and fixes, for fakes of it that do not use them: a
    test reaching one fails."""

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        raise NotImplementedError("checks() is not faked here")

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest:
        raise NotImplementedError("get_pull_request() is not faked here")

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None:
        raise NotImplementedError("set_pull_request_body() is not faked here")

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        raise NotImplementedError("mark_ready() is not faked here")

    def push_files(self, token: str, change: CodeChange) -> str:
        raise NotImplementedError("push_files() is not faked here")

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        raise NotImplementedError("recent_commits() is not faked here")

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        raise NotImplementedError("merge() is not faked here")

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        raise NotImplementedError("comments() is not faked here")

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        raise NotImplementedError("tree() is not faked here")

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        raise NotImplementedError("contents() is not faked here")

    def pull_request_files(self, token: str, repository: str, number: int) -> list[ChangedFile]:
        raise NotImplementedError("pull_request_files() is not faked here")


class UnfakedReleases:
    """The deployer's production, promotion and health check, for fakes of it that do not
    use them: a test reaching one fails."""

    def production(self, token: str, project: str, team_id: str | None = None) -> Deployment | None:
        raise NotImplementedError("production() is not faked here")

    def previous_production(
        self, token: str, project: str, before_ms: int, team_id: str | None = None
    ) -> Deployment | None:
        raise NotImplementedError("previous_production() is not faked here")

    def promote(self, token: str, project: str, deployment_id: str, team_id: str | None = None) -> None:
        raise NotImplementedError("promote() is not faked here")

    def probe(self, url: str, path: str) -> int:
        raise NotImplementedError("probe() is not faked here")


@dataclass
class FakeCodeAccounts(UnfakedCodeChecks, UnfakedReleases, CodeHost, Deployer, Chat):
    """The "who am I" check of CodeHost/Deployer/Chat: any token but the ``refused`` ones is ``login``;
    ``down`` makes the check a passing outage (as a 5xx or a timeout would). Nothing else of those
    ports is faked: a test reaching another method fails."""

    label: str
    login: str = "octo"
    refused: set[str] = field(default_factory=set)
    down: bool = False

    def account(self, token: str) -> str:
        if self.down:
            raise TransientError(f"{self.label} answered 503 for the token")
        if token in self.refused:
            raise Unauthenticated(f"{self.label} refused the token; reconnect {self.label}")
        return self.login

    def _not_faked(self, method: str) -> NotImplementedError:
        return NotImplementedError(f"FakeCodeAccounts({self.label!r}) fakes account() only, not {method}()")

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        raise self._not_faked("find_pull_request")

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        raise self._not_faked("open_pull_request")

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        raise self._not_faked("current_files")

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None:
        raise self._not_faked("find_deployment")

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment:
        raise self._not_faked("create_deployment")

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment:
        raise self._not_faked("get_deployment")

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        raise self._not_faked("post_message")

    def find_message(
        self, token: str, channel: str, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        raise self._not_faked("find_message")

    def post_reply(self, *args: Any, **kwargs: Any) -> str:
        raise self._not_faked("post_reply")

    def find_reply(self, *args: Any, **kwargs: Any) -> str | None:
        raise self._not_faked("find_reply")
