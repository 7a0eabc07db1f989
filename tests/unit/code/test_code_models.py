"""The code change and deployment models refuse, with a message naming the problem, what GitHub or
Vercel would refuse or what would write outside the repository."""

from typing import Any

import pytest
from pydantic import ValidationError as Invalid

from shared.code.domain.code import (
    MAX_FILE_BYTES,
    CodeChange,
    Deployment,
    DeployRequest,
    FileChange,
    PullRequest,
)


def change(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "repository": "acme/site",
        "branch": "agent/run-1-step-4",
        "title": "Add the landing page",
        "commit_message": "Add the landing page",
        "files": [{"path": "index.html", "content": "<h1>Hello</h1>"}],
    }
    return fields | overrides


def errors(model: Any, data: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as caught:
        model.model_validate(data)
    return str(caught.value)


def test_a_valid_change_keeps_its_fields_and_defaults_the_base() -> None:
    parsed = CodeChange.model_validate(change(body="Why: ..."))
    assert parsed.base == "" and parsed.body == "Why: ..."
    assert parsed.files == [FileChange(path="index.html", content="<h1>Hello</h1>")]
    nested = ["src/app/main.py", "a-b_c.d/e.txt", ".github/workflows/ci.yml", "docs/.nojekyll", "x" * 300]
    for path in nested:
        assert FileChange(path=path, content="").path == path


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../secrets.txt", "'..' or '.' components"),
        ("src/../../etc/passwd", "'..' or '.' components"),
        ("./index.html", "'..' or '.' components"),
        ("/etc/passwd", "no leading '/'"),
        ("src//app.js", "empty components"),
        ("src/", "empty components"),
        ("", "1-300 characters"),
        ("a" * 301, "1-300 characters"),
        ("src\\app.js", "may not contain '\\'"),
        ("bad\x00name", "control characters"),
        (".git/config", "inside '.git'"),
    ],
)
def test_a_bad_path_is_refused_with_the_reason(path: str, message: str) -> None:
    text = errors(FileChange, {"path": path, "content": "x"})
    assert "file path" in text and message in text


def test_content_over_one_megabyte_is_refused_counting_utf8_bytes() -> None:
    FileChange(path="big.txt", content="a" * MAX_FILE_BYTES)
    assert f"at most {MAX_FILE_BYTES}" in errors(
        FileChange, {"path": "big.txt", "content": "a" * (MAX_FILE_BYTES + 1)}
    )
    wide = "é" * (MAX_FILE_BYTES // 2 + 1)  # fewer characters than the limit, more bytes
    assert "bytes" in errors(FileChange, {"path": "big.txt", "content": wide})
    assert "not valid text" in errors(FileChange, {"path": "x.txt", "content": "\ud800"})


def test_a_change_needs_one_to_a_hundred_files_each_path_once() -> None:
    assert "at least 1 item" in errors(CodeChange, change(files=[]))
    many = [{"path": f"f{i}.txt", "content": ""} for i in range(101)]
    assert "at most 100 items" in errors(CodeChange, change(files=many))
    CodeChange.model_validate(change(files=many[:100]))
    twice = [{"path": "a.txt", "content": "1"}, {"path": "a.txt", "content": "2"}]
    assert "'a.txt' appears twice" in errors(CodeChange, change(files=twice))


@pytest.mark.parametrize(
    "repository",
    [
        "acme",
        "acme/site/..",  # three parts name a GitLab project in nested groups, never with ".."
        "/site",
        "acme/",
        "-acme/site",
        "ac me/site",
        "acme/si te",
        "acme/..",
        "a" * 40 + "/site",
    ],
)
def test_a_bad_repository_name_is_refused(repository: str) -> None:
    assert "repository must be 'owner/name'" in errors(CodeChange, change(repository=repository))
    request = {"project": "site", "repository": repository, "ref": "main", "target": "preview", "key": "k"}
    assert "repository must be 'owner/name'" in errors(DeployRequest, request)


@pytest.mark.parametrize(
    "branch",
    [
        "",
        "feature..x",
        "feat ure",
        "x.lock",
        "/x",
        "x/",
        "-x",
        ".x",
        "a//b",
        "a/.b",
        "a@{1}",
        "a~1",
        "a:b",
        "HEAD",
        "b" * 201,
    ],
)
def test_a_bad_branch_name_is_refused(branch: str) -> None:
    assert "branch" in errors(CodeChange, change(branch=branch))


def test_the_base_is_checked_and_may_not_be_the_branch() -> None:
    assert "base branch 'bad base'" in errors(CodeChange, change(base="bad base"))
    assert "is the base branch" in errors(CodeChange, change(base="main", branch="main"))
    assert CodeChange.model_validate(change(base="release/2026")).base == "release/2026"


def test_title_message_and_body_have_limits() -> None:
    assert "must not be empty" in errors(CodeChange, change(title="  "))
    assert "must not be empty" in errors(CodeChange, change(commit_message=""))
    assert "at most 256 characters" in errors(CodeChange, change(title="t" * 257))
    assert "at most 60000 characters" in errors(CodeChange, change(body="b" * 60_001))


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    parsed = CodeChange.model_validate(change())
    with pytest.raises(Invalid, match="frozen"):
        parsed.title = "other"  # type: ignore[misc]  # what the test checks: a frozen model refuses it
    assert "drafted\n  Extra inputs are not permitted" in errors(CodeChange, change(drafted=True))
    pull = {"number": 1, "url": "u", "branch": "b", "head_sha": "s", "state": "open"}
    assert "merged\n  Extra inputs are not permitted" in errors(PullRequest, pull | {"merged": True})
    assert "x\n  Extra inputs are not permitted" in errors(
        Deployment, {"id": "d", "url": "u", "state": "READY", "target": "preview", "x": 1}
    )


def deploy(**overrides: Any) -> dict[str, Any]:
    return {
        "project": "site",
        "repository": "acme/site",
        "ref": "main",
        "target": "preview",
        "key": "run-1:4:1",
    } | overrides


def test_a_deploy_request_checks_target_key_project_and_ref() -> None:
    assert DeployRequest.model_validate(deploy(target="production")).target == "production"
    assert "Input should be 'preview' or 'production'" in errors(DeployRequest, deploy(target="staging"))
    assert "key must be" in errors(DeployRequest, deploy(key="run 1"))
    assert "key must be" in errors(DeployRequest, deploy(key=""))
    assert "key must be" in errors(DeployRequest, deploy(key="k" * 129))
    assert "project must be" in errors(DeployRequest, deploy(project="my project"))
    assert "ref 'a..b'" in errors(DeployRequest, deploy(ref="a..b"))
