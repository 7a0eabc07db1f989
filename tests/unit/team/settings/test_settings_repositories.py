"""PATCH /settings allows exactly the GitHub repositories (and GitLab projects in nested groups) and Vercel
projects the code tools accept (one check, shared.workspace.domain.code_names): one a run would always
refuse is a 400 naming the field, and nothing is stored. A repository stored before that check still loads, and does not block other changes."""

from typing import Any

import pytest
from pydantic import ValidationError

from shared.team.services.sessions import start_session
from shared.tools.code.pull_request import DeployArgs, OpenPullRequestArgs
from shared.workspace.domain.settings_input import SettingsInput
from tests.api_fakes import FakeContainer, client
from tests.support.team.settings_api import connect
from tests.support.team.settings_validation import store_with
from tests.support.tools.code_tool_args import deploy, pull

REFUSED_REPOSITORIES = [
    "acme/..",
    "acme/.",
    "../..",
    "acme_corp/site",  # GitHub owners have no '_'
    "-acme/site",
    ".github/x",
    "a" * 40 + "/site",  # owners have at most 39 characters
    "acme",
    "ac me/site",
    "group/../site",  # nested groups (GitLab): no part "." or ".."
    "group//site",
    "group/sub/",
    "g/" + "/".join(["sub"] * 21) + "/site",  # GitLab nests 20 subgroups at most
]
ACCEPTED_REPOSITORIES = [
    "acme/site",
    "Acme-Corp/site.v2",
    "a/.github",
    "octo/_private",
    "a1/x",
    "acme/site/extra",  # a GitLab project in nested groups (decision 0133)
    "my_group/sub.team/web-app",
    "g/" + "/".join(["sub"] * 20) + "/site",
]
REFUSED_PROJECTS = ["my site", "site/x", "", "x" * 101, "site\n"]
ACCEPTED_PROJECTS = ["site", "my-site.v2", "prj_abc123"]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


@pytest.mark.parametrize(
    ("name", "value"),
    [("github_repositories", r) for r in REFUSED_REPOSITORIES]
    + [("vercel_projects", p) for p in REFUSED_PROJECTS],
)
def test_a_repository_or_project_no_run_could_use_is_a_400_and_nothing_is_stored(
    fakes: FakeContainer, name: str, value: str
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    before = fakes.tenants.get("t1")
    good = "site" if name == "vercel_projects" else "acme/site"
    answer = api.patch("/settings", headers=auth, json={name: [good, value]})
    assert answer.status_code == 400 and answer.json is not None
    assert [f["field"] for f in answer.json["fields"]] == [f"{name}.1"]
    assert name in answer.json["reason"]
    assert fakes.tenants.get("t1") == before


@pytest.mark.parametrize("repository", REFUSED_REPOSITORIES + ACCEPTED_REPOSITORIES)
def test_settings_and_the_code_tools_accept_the_same_repositories(repository: str) -> None:
    assert _accepts(SettingsInput, {"github_repositories": [repository]}) == _accepts(
        OpenPullRequestArgs, pull(repository=repository)
    )
    assert _accepts(SettingsInput, {"github_repositories": [repository]}) == _accepts(
        DeployArgs, deploy(repository=repository)
    )
    assert _accepts(SettingsInput, {"github_repositories": [repository]}) == (
        repository in ACCEPTED_REPOSITORIES
    )


@pytest.mark.parametrize("project", REFUSED_PROJECTS + ACCEPTED_PROJECTS)
def test_settings_and_the_deploy_tool_accept_the_same_projects(project: str) -> None:
    assert _accepts(SettingsInput, {"vercel_projects": [project]}) == _accepts(
        DeployArgs, deploy(project=project)
    )
    assert _accepts(SettingsInput, {"vercel_projects": [project]}) == (project in ACCEPTED_PROJECTS)


def _accepts(model: Any, value: dict[str, Any]) -> bool:
    try:
        model.model_validate(value)
    except ValidationError:  # the settings' model, the arguments' model
        return False
    return True


def test_a_repository_stored_before_the_check_loads_and_blocks_no_other_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = FakeContainer()
    container.tenants = store_with({"github_repositories": ["acme_corp/site", "acme/.."]})
    auth, api = (
        {"Authorization": f"Bearer {start_session('t1', container.secrets)}"},
        client("api", container),
    )
    shown = api.get("/settings", headers=auth)
    assert shown.status_code == 200 and shown.json is not None
    assert shown.json["settings"]["github_repositories"] == ["acme_corp/site", "acme/.."]
    assert api.patch("/settings", headers=auth, json={"planning_hour": 6}).status_code == 200
    resent = api.patch("/settings", headers=auth, json={"github_repositories": ["acme_corp/site"]})
    assert resent.status_code == 400
    fixed = api.patch("/settings", headers=auth, json={"github_repositories": ["acme-corp/site"]})
    assert fixed.status_code == 200 and fixed.json is not None
    assert fixed.json["settings"]["github_repositories"] == ["acme-corp/site"]
