"""A repository's policy and the secret scan: the checks applied to a change
before any push, with the real scanner (detect-secrets, in process); and the policy as the owner sets
it with PATCH /settings, a bad one a 400 naming the field, nothing stored."""

from datetime import UTC, datetime

import pytest

from shared.code.domain import secret_findings as policy
from shared.code.domain.code import CodeChange, FileChange
from shared.code.services import secret_scan
from shared.code.services.code_access import CodeAccess, SecretBlocked
from shared.platform.errors import ModelFixableError, PermanentError
from shared.workspace.domain.code_policy import (
    CodePolicy,
    outside_auto_merge,
    policy_problems,
    sensitive_kind,
)
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.settings_api import connect
from tests.support.workspace.workspace_fakes import FakeTenantStore

PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----\n"
)
SLACK_TOKEN = "xoxb-" + "1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"


def file(path: str, content: str = "x = 1\n") -> FileChange:
    return FileChange(path=path, content=content)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (".github/workflows/ci.yml", "workflow"),
        (".github/workflows/nested/deploy.yaml", "workflow"),
        ("package.json", "dependency"),
        ("web/package-lock.json", "dependency"),
        ("requirements-test.txt", "dependency"),
        ("services/api/pyproject.toml", "dependency"),
        ("go.sum", "dependency"),
        ("Cargo.lock", "dependency"),
        (".github/CODEOWNERS", None),
        ("src/package_json.py", None),
        ("docs/requirements.md", None),
    ],
)
def test_workflow_and_dependency_files_are_known_by_their_paths(path: str, kind: str | None) -> None:
    assert sensitive_kind(path) == kind


def test_a_policy_refuses_paths_outside_sizes_above_and_sensitive_files_without_approval() -> None:
    policy = CodePolicy(allowed_paths=["src/*", ".github/workflows/*"], max_file_bytes=10)
    files = [
        file("src/a/deep.py", "ok\n"),  # '*' crosses '/'
        file("docs/x.md", "ok\n"),
        file("src/big.py", "é" * 6),  # 12 UTF-8 bytes
        file(".github/workflows/ci.yml", "on: push\n"),
    ]
    problems = policy_problems(policy, files, approved=False)
    assert problems == [
        "docs/x.md lies outside the paths this repository's policy allows (['src/*', '.github/workflows/*'])",
        "src/big.py is 12 bytes; the policy allows at most 10",
        ".github/workflows/ci.yml is a workflow file: it is pushed only after an approval naming it",
    ]
    assert policy_problems(policy, files, approved=True) == problems[:2]
    assert policy_problems(CodePolicy(), [file("anything/at/all.py")], approved=False) == []


def test_the_default_policy_allows_any_path_up_to_200000_bytes_and_never_auto_merges() -> None:
    policy = CodePolicy()
    assert (policy.allowed_paths, policy.max_file_bytes, policy.auto_merge) == (["*"], 200_000, False)


@pytest.mark.parametrize(
    ("content", "kind", "line"),
    [
        ('\nKEY = "AKIAIOSFODNN7EXAMPLE"\n', "AWS Access Key", 2),
        (PRIVATE_KEY, "Private Key", 1),
        (f'a = 1\nb = 2\nslack = "{SLACK_TOKEN}"\n', "Slack Token", 3),
        ('db:\n  password: "s3cr3t-Pa55word-for-prod"\n', "Secret Keyword", 2),
    ],
    ids=["aws", "private-key", "slack", "keyword"],
)
def test_the_scan_finds_each_kind_where_it_is(content: str, kind: str, line: int) -> None:
    found = secret_scan.scan({"src/config.yaml": content})
    assert (kind, "src/config.yaml", line) in [tuple(f) for f in found]


def test_ordinary_code_and_a_lock_files_hashes_are_not_secrets() -> None:
    code = "def add(a: int, b: int) -> int:\n    return a + b\n\nTOKEN_ENV = 'GITHUB_TOKEN'\n"
    lock = '{"integrity": "sha512-' + "Q2hlY2tzdW1PZkFQYWNrYWdlVGhhdElzTm90QVNlY3JldEF0QWxs" * 2 + '=="}\n'
    texts = {policy.TITLE: "Add add()", policy.BODY: "A helper"}
    assert secret_scan.scan({"src/add.py": code, "package-lock.json": lock}, texts) == []


def access(policy: CodePolicy | None = None, repository: str = "acme/site") -> CodeAccess:
    tenants = FakeTenantStore()
    policies = {repository: policy} if policy else {}
    settings = TenantSettings(github_repositories=[repository], code_policies=policies)
    now = datetime.now(UTC)
    tenant = Tenant(tenant_id="t1", workspace_id="w1", token_secret="s", created_at=now, updated_at=now)
    tenants.save(tenant.model_copy(update={"settings": settings}))
    return CodeAccess(None, None, None, tenants)  # type: ignore[arg-type]  # only the tenant is read


def change(*files: FileChange) -> CodeChange:
    return CodeChange(repository="acme/site", branch="b", title="t", commit_message="m", files=list(files))


def test_check_push_refuses_by_policy_first_then_blocks_a_secret_naming_no_value() -> None:
    strict = access(CodePolicy(allowed_paths=["src/*"]))
    with pytest.raises(ModelFixableError, match="outside the paths"):
        strict.check_push("t1", change(file("ops/x.py", f'k = "{SLACK_TOKEN}"\n')), approved=True)
    with pytest.raises(SecretBlocked) as blocked:
        access().check_push("t1", change(file("ops/x.py", f'k = "{SLACK_TOKEN}"\n')), approved=True)
    assert "Slack Token in ops/x.py line 1" in blocked.value.reason
    assert SLACK_TOKEN not in blocked.value.reason and "xoxb" not in blocked.value.reason
    access().check_push("t1", change(file("ops/x.py")), approved=False)  # clean and allowed: no error


def test_the_owner_sets_a_repositorys_policy_with_patch_settings() -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    policy = {"allowed_paths": ["src/*", "README.md"], "max_file_bytes": 50_000, "auto_merge": True}
    answer = api.patch("/settings", headers=auth, json={"code_policies": {"acme/site": policy}})
    assert answer.status_code == 200, answer.json
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.settings.code_policies["acme/site"] == CodePolicy(**policy)
    shown = api.get("/settings", headers=auth).json
    defaults = {"fix_attempts": 3, "checks_wait_s": 1800, "reviewers": [], "review_wait_s": 86_400}
    defaults |= {"test_command": "", "smoke_paths": ["/"]}
    assert shown is not None and shown["settings"]["code_policies"]["acme/site"] == policy | defaults


@pytest.mark.parametrize(
    ("policies", "field"),
    [
        ({"acme_corp/site": {}}, "code_policies.acme_corp/site.[key]"),
        ({"acme/site": {"allowed_paths": ["../etc/*"]}}, "code_policies.acme/site.allowed_paths.0"),
        ({"acme/site": {"allowed_paths": []}}, "code_policies.acme/site.allowed_paths"),
        ({"acme/site": {"max_file_bytes": 5_000_000}}, "code_policies.acme/site.max_file_bytes"),
        ({"acme/site": {"auto_merge": "yes"}}, "code_policies.acme/site.auto_merge"),
        ({"acme/site": {"merge_anything": True}}, "code_policies.acme/site.merge_anything"),
    ],
)
def test_a_bad_policy_is_a_400_naming_the_field_and_nothing_is_stored(
    policies: dict[str, object], field: str
) -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    before = fakes.tenants.get("t1")
    answer = api.patch("/settings", headers=auth, json={"code_policies": policies})
    assert answer.status_code == 400 and answer.json is not None
    assert [f["field"] for f in answer.json["fields"]] == [field]
    assert fakes.tenants.get("t1") == before


def test_auto_merge_is_kept_from_files_outside_the_allowed_paths_and_from_workflow_or_dependency_files() -> (
    None
):
    policy = CodePolicy(allowed_paths=["src/*", ".github/*", "package.json"], auto_merge=True)
    paths = [
        "src/app.py",
        "docs/x.md",
        ".github/workflows/ci.yml",
        "package.json",
        "src/requirements-dev.txt",
    ]
    assert outside_auto_merge(policy, paths) == paths[1:]
    assert outside_auto_merge(policy, ["src/a.py", "src/b/c.ts"]) == []


def test_a_project_in_nested_groups_is_gitlab_s_only() -> None:
    """A path like group/sub/name names no GitHub repository: bound to a forge, it must be GitLab's."""
    nested = "group/sub/site"
    code = access(repository=nested)
    with pytest.raises(PermanentError, match="its policy must name forge gitlab"):
        code.on("t1", nested)
    with pytest.raises(PermanentError, match="its policy must name forge gitlab"):
        code.gitlab_project_id("t1", nested)
    assert code.on("t1", "acme/site") is code and code.gitlab_project_id("t1", "acme/site") is None
