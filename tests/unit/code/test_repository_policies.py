"""The repository policy screen's api: each allowed repository with its policy,
read by any member; a policy, auto-merge included, set by the owner only (PUT, and code_policies in
PATCH /settings); an admin refused with a 403 and nothing stored; a bad one a 400 naming its field."""

from typing import Any

from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.team.team import CAROL, join
from tests.support.workspace.connection_ownership import ADA, BOB, connect_as, fakes

__all__ = ["fakes"]

POLICY = {"allowed_paths": ["src/*", "README.md"], "max_file_bytes": 50_000, "auto_merge": True}


def team(fakes: FakeContainer) -> tuple[Any, dict[str, str], dict[str, str], dict[str, str]]:
    """The api, the owner's, an admin's and a viewer's headers; acme/site and acme/docs allowed."""
    ada = connect_as(fakes, ADA, "code-ada")
    bob = join(fakes, ada["session"], BOB, "admin", "code-bob")
    carol = join(fakes, ada["session"], CAROL, "viewer", "code-carol")
    api = client("api", fakes)
    repos = {"github_repositories": ["acme/site", "acme/docs"]}
    assert api.patch("/settings", json=repos, headers=auth(ada["session"])).status_code == 200
    return api, auth(ada["session"]), auth(bob["session"]), auth(carol["session"])


def policies(api: Any, headers: dict[str, str]) -> dict[str, Any]:
    answer = api.get("/repositories/policies", headers=headers)
    assert answer.status_code == 200, answer.json
    return {r["repository"]: r["policy"] for r in answer.json["repositories"]}


def test_the_owner_sets_a_policy_and_every_member_reads_it_with_auto_merge_off_by_default(
    fakes: FakeContainer,
) -> None:
    api, owner, _admin, viewer = team(fakes)
    assert {p["auto_merge"] for p in policies(api, viewer).values()} == {False}  # the defaults
    saved = api.put("/repositories/acme/site/policy", json=POLICY, headers=owner)
    assert saved.status_code == 200, saved.json
    assert saved.json["repository"] == "acme/site" and saved.json["policy"]["auto_merge"] is True
    shown = policies(api, viewer)
    assert shown["acme/site"]["allowed_paths"] == ["src/*", "README.md"] and shown["acme/site"]["auto_merge"]
    assert shown["acme/docs"]["auto_merge"] is False  # the other repository's is untouched


def test_an_admin_may_not_set_a_policy_by_either_route_and_nothing_is_stored(fakes: FakeContainer) -> None:
    api, owner, admin, _viewer = team(fakes)
    before = policies(api, owner)
    put = api.put("/repositories/acme/site/policy", json=POLICY, headers=admin)
    assert put.status_code == 403
    patched = api.patch("/settings", json={"code_policies": {"acme/site": POLICY}}, headers=admin)
    assert patched.status_code == 403 and "owner" in patched.json["reason"]
    assert policies(api, owner) == before
    other = api.patch("/settings", json={"planning_hour": 9}, headers=admin)  # the rest: as before
    assert other.status_code == 200


def test_a_repository_not_allowed_is_a_404_and_a_bad_policy_a_400_naming_its_field(
    fakes: FakeContainer,
) -> None:
    api, owner, _admin, _viewer = team(fakes)
    missing = api.put("/repositories/acme/other/policy", json=POLICY, headers=owner)
    assert missing.status_code == 404 and "github_repositories" in missing.json["reason"]
    bad = api.put("/repositories/acme/site/policy", json={"auto_merge": "yes"}, headers=owner)
    assert bad.status_code == 400
    assert [f["field"] for f in bad.json["fields"]] == ["auto_merge"]
    assert policies(api, owner)["acme/site"]["auto_merge"] is False


def test_smoke_paths_default_to_the_root_and_a_bad_one_is_a_400_saying_why(fakes: FakeContainer) -> None:
    api, owner, _admin, viewer = team(fakes)
    assert {tuple(p["smoke_paths"]) for p in policies(api, viewer).values()} == {("/",)}  # the default
    good = {"smoke_paths": ["/", "/api/health"], "test_command": "make test"}
    saved = api.put("/repositories/acme/site/policy", json=good, headers=owner)
    assert saved.status_code == 200 and saved.json["policy"]["smoke_paths"] == ["/", "/api/health"]
    assert policies(api, viewer)["acme/site"]["test_command"] == "make test"
    for paths in (
        ["api/health"],
        ["https://evil.example/"],
        ["//evil.example"],
        ["/a/../b"],
        ["/" + "a" * 200],
    ):
        bad = api.put("/repositories/acme/site/policy", json={"smoke_paths": paths}, headers=owner)
        assert bad.status_code == 400, paths
        assert bad.json["fields"][0]["field"].startswith("smoke_paths"), bad.json
        assert "starting with '/'" in str(bad.json), bad.json
    many = api.put("/repositories/acme/site/policy", json={"smoke_paths": ["/"] * 11}, headers=owner)
    assert many.status_code == 400 and many.json["fields"][0]["field"] == "smoke_paths"
    assert policies(api, owner)["acme/site"]["smoke_paths"] == ["/", "/api/health"]  # nothing stored
