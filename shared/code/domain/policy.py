"""What may be pushed to a repository (issue 68, point 4): its policy's checks on a change, and what
the secret scan found, said without the secret.

Pure: the scan itself is ``shared.code.services.secret_scan``. Workflow files run in CI with the
repository's secrets, and dependency files choose code that runs at install and build time. Both
are pushed only after an approval that names them, whatever the policy: the approval of a code step
lists every file it writes, marked by :func:`sensitive_kind`.
"""

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import NamedTuple

from shared.code.domain.code import FileChange
from shared.workspace.domain.code_policy import CodePolicy

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


def policy_problems(policy: CodePolicy, files: Iterable[FileChange], approved: bool) -> list[str]:
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


# The places of a change's texts, as a finding names them (a file is named by its path or number).
TITLE, BODY, COMMIT = "the title", "the description", "the commit message"


class SecretFinding(NamedTuple):
    """A secret the scan found: its kind (the scanner's name for it) and where. Never its value."""

    kind: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.kind} in {self.path}" + (f" line {self.line}" if self.line else "")


def secrets_message(repository: str, findings: list[SecretFinding], before_asking: bool = False) -> str:
    """What the owner is told when the scan stops a change, before she is asked or before its push.
    It names each finding's kind and place (a file, a path, the title, the description, the commit
    message; a line), never its value."""
    shown = "; ".join(str(f) for f in findings[:20])
    more = f" (and {len(findings) - 20} more)" if len(findings) > 20 else ""
    when = " before anyone was asked to approve it" if before_asking else ""
    return (
        f"the secret scan stopped the push to {repository}{when}, nothing was pushed: {shown}{more}. "
        "Remove the secrets from the change (read them from the environment instead)."
    )
