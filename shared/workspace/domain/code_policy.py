"""A repository's policy: what a run may push to it, as its owner set it, and the
checks of a change against it. Stored in the tenant's settings (``TenantSettings.code_policies``,
keyed by ``owner/name``), set with ``PATCH /settings``; a repository without one gets the defaults.
It lies in the workspace, below code, because the settings every function loads hold it. Workflow and
dependency files are pushed only after an approval that names them, whatever the policy: they run in
CI with the repository's secrets, or choose code run at install and build time (decision 0150).
"""

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Annotated, Literal, Protocol

from pydantic import AfterValidator, Field, StringConstraints

from shared.platform.domain.schema import JSON_INTEGER, Record

MAX_PATTERNS = 50
LARGEST_FILE_BYTES = 1_000_000  # shared.code.domain.code.MAX_FILE_BYTES: what a change may carry at all
DEFAULT_MAX_FILE_BYTES = 200_000


def check_pattern(value: str) -> str:
    """A path pattern (``fnmatch``: ``*`` also crosses ``/``), relative to the repository's root."""
    if value.startswith("/") or "\\" in value or ".." in value.split("/"):
        raise ValueError(f"path pattern {value!r} must be relative to the repository root, without '..'")
    return value


# The contract states check_pattern's rule: no leading '/', no '\\', no '..' component.
PATTERN = r"^(?!(?:.*/)?\.\.(?:/|$))[^/\\][^\\]*$"
Pattern = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(check_pattern),
    Field(json_schema_extra={"pattern": PATTERN}),
]


MAX_SMOKE_PATHS = 10
_SMOKE_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,199}")  # no '//', '?', '@' or scheme: a path on the site


def check_smoke_path(value: str) -> str:
    """A path of the site the preview's smoke check fetches, such as ``/`` or ``/api/health``."""
    if not _SMOKE_PATH.fullmatch(value) or "//" in value or "/../" in f"{value}/":
        raise ValueError(
            f"smoke path {value!r} must be a path on the site starting with '/', such as /api/health "
            "(letters, digits, . _ ~ - and /; at most 200 characters)"
        )
    return value


SmokePath = Annotated[
    str,
    AfterValidator(check_smoke_path),
    Field(json_schema_extra={"pattern": r"^/[A-Za-z0-9._~/-]{0,199}$"}),
]


class CodePolicy(Record):
    """What a run may push to one repository. Workflow files (``.github/workflows/*``) and dependency
    files (manifests and lock files) are pushed only after an approval that names them, whatever the
    policy. ``auto_merge`` (merge without asking a change that passed every check inside the allowed
    paths) is off unless the owner turns it on."""

    allowed_paths: Annotated[
        list[Pattern],
        Field(
            min_length=1,
            max_length=MAX_PATTERNS,
            description="fnmatch patterns of the files a run may write ('*' also crosses '/'), "
            "e.g. ['src/*', 'tests/*', 'README.md']; ['*']: any file",
        ),
    ] = Field(default_factory=lambda: ["*"])
    max_file_bytes: Annotated[
        int,
        Field(
            ge=1,
            le=LARGEST_FILE_BYTES,
            description=f"the largest file a run may write, in UTF-8 bytes (at most {LARGEST_FILE_BYTES})",
        ),
        JSON_INTEGER,
    ] = DEFAULT_MAX_FILE_BYTES
    fix_attempts: Annotated[
        int,
        Field(
            ge=0,
            le=10,
            description="how many fixes a run may push to its pull request after its checks failed",
        ),
        JSON_INTEGER,
    ] = 3
    checks_wait_s: Annotated[
        int,
        Field(
            ge=60,
            le=21_600,
            description="how long a run waits for the checks of a pushed commit, in seconds, before "
            "it leaves the pull request a draft naming the checks still running",
        ),
        JSON_INTEGER,
    ] = 1_800
    auto_merge: Annotated[
        bool,
        Field(
            strict=True,
            description="whether a change that passed every check inside the allowed paths may merge "
            "without asking; off by default",
        ),
    ] = False
    reviewers: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]],
        Field(
            max_length=MAX_PATTERNS,
            description="the GitHub logins whose comments on a run's pull request ask it for a "
            "revision; empty: nobody's",
        ),
    ] = Field(default_factory=list)
    review_wait_s: Annotated[
        int,
        Field(
            ge=60,
            le=604_800,
            description="how long a run waits for a reviewer's comment on its pull request, in "
            "seconds after its last push, before it goes on without one",
        ),
        JSON_INTEGER,
    ] = 86_400
    test_command: Annotated[
        str,
        StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f]*$"),
        Field(
            description="the command the repository's tests run with, when its AGENTS.md or CONTRIBUTING.md "
            "does not say; it names what the checks run, for the model and the pull request"
        ),
    ] = ""
    smoke_paths: Annotated[
        list[SmokePath],
        Field(
            max_length=MAX_SMOKE_PATHS,
            description="the paths of the ready preview its smoke check fetches before the merge is "
            f"asked for (at most {MAX_SMOKE_PATHS}); each must answer 2xx or 3xx; empty: no smoke check",
        ),
    ] = Field(default_factory=lambda: ["/"])
    forge: Annotated[
        Literal["github", "gitlab"],
        Field(
            description="where the repository lives: github (a pull request), or gitlab (a merge request in "
            "the project of that path on the GitLab connection's instance, with its token); decision 0126",
        ),
    ] = Field("github", exclude_if=lambda v: v == "github")


class Written(Protocol):
    """A file a change writes, as the checks read it (``shared.code.domain.code.FileChange``)."""

    @property
    def path(self) -> str: ...

    @property
    def content(self) -> str: ...


# Manifests and lock files of the package managers in common use: what they name is fetched and run.
DEPENDENCY_FILES = frozenset(
    {
        "requirements.txt",
        "requirements-dev.txt",
        "constraints.txt",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "pipfile",
        "pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "go.mod",
        "go.sum",
        "cargo.toml",
        "cargo.lock",
        "gemfile",
        "gemfile.lock",
        "composer.json",
        "composer.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "gradle.properties",
    }
)


def sensitive_kind(path: str) -> str | None:
    """``"workflow"`` for a GitHub Actions workflow (``.github/workflows/...``), ``"dependency"`` for
    a dependency manifest or lock file (``requirements*.txt`` too), else None."""
    if path.startswith(".github/workflows/"):
        return "workflow"
    name = path.rsplit("/", 1)[-1].lower()
    if name in DEPENDENCY_FILES or (name.startswith("requirements") and name.endswith(".txt")):
        return "dependency"
    return None


def path_allowed(policy: CodePolicy, path: str) -> bool:
    """Whether ``path`` matches one of the policy's allowed patterns (case-sensitive, as git is)."""
    return any(fnmatchcase(path, pattern) for pattern in policy.allowed_paths)


def policy_problems(policy: CodePolicy, files: Iterable[Written], approved: bool) -> list[str]:
    """Each way ``files`` break ``policy``, in words for the model and the owner (empty: none). A
    workflow or dependency file needs ``approved``: the owner approved this very change, whose
    request named each file."""
    problems = []
    for file in files:
        size = len(file.content.encode("utf-8"))
        kind = sensitive_kind(file.path)
        if not path_allowed(policy, file.path):
            problems.append(
                f"{file.path} lies outside the paths this repository's policy allows ({policy.allowed_paths})"
            )
        elif size > policy.max_file_bytes:
            problems.append(f"{file.path} is {size} bytes; the policy allows at most {policy.max_file_bytes}")
        elif kind is not None and not approved:
            problems.append(f"{file.path} is a {kind} file: it is pushed only after an approval naming it")
    return problems


def outside_auto_merge(policy: CodePolicy, paths: Iterable[str]) -> list[str]:
    """The paths that keep a change from merging without asking (decision 0117): each outside the
    allowed paths, or a workflow or dependency file (those always need an approval naming them)."""
    return [p for p in paths if not path_allowed(policy, p) or sensitive_kind(p) is not None]
