"""docs/deploy.md gives the same commands as the pipeline uses, and is the only place that gives them;
every command of docs/deploy.md and docs/iam.md that the local stack can run is run here as written."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import hcl2
import pytest

from local.stack import LocalStack
from shared.platform.adapters.firestore_dead_letters import FirestoreDeadLetters
from shared.platform.domain.dead_letters import dead_letter
from shared.platform.topology import Target
from tools.infra_drift import HCL_OPTIONS, Terraform

ROOT = Path(__file__).resolve().parents[3]
DEPLOY_MD = (ROOT / "docs" / "deploy.md").read_text()
README = (ROOT / "README.md").read_text()
CLOUDBUILD = (ROOT / "cloudbuild.yaml").read_text()
CLOUDBUILD_APPLY = (ROOT / "cloudbuild-apply.yaml").read_text()
_BACKEND = re.compile(r'-backend-config="?(\w+)=([^"\s`]+)"?')


def backend_configs(text: str) -> list[dict[str, str]]:
    """The -backend-config values of each `terraform init` command in a text."""
    return [
        dict(_BACKEND.findall(line))
        for line in text.splitlines()
        if re.search(r"terraform( -chdir=\S+)? init", line)
    ]


def test_deploy_md_inits_the_backend_the_pipeline_reads() -> None:
    plan, apply = [config for config in backend_configs(CLOUDBUILD + CLOUDBUILD_APPLY) if config]
    assert plan == apply == {"bucket": "${_STATE_BUCKET}", "prefix": "notion-agent"}
    pipeline = plan
    [doc] = [config for config in backend_configs(DEPLOY_MD) if config]  # not `init -backend=false`
    assert doc == {"bucket": "$PROJECT-tfstate", "prefix": pipeline["prefix"]}


def test_the_readme_leaves_the_procedure_to_deploy_md() -> None:
    """One copy of the commands: the README links docs/deploy.md and repeats none of them."""
    assert "(docs/deploy.md)" in README
    assert not backend_configs(README) and "terraform apply" not in README and "tfvars" not in README


def test_every_required_variable_is_in_the_tfvars_example(tf: Terraform) -> None:
    required = {name for name, body in tf.variables.items() if "default" not in body}
    assert {"project_id", "state_bucket", "firestore_location", "public_domain"} <= required
    assert "frontend_url" not in required, "empty is the console on the public origin"
    example = DEPLOY_MD[DEPLOY_MD.index("cat > terraform/terraform.tfvars") :].split("VARS\n", 2)[1]
    assert required <= set(re.findall(r"^(\w+)\s*=", example, re.M)), "deploy.md's tfvars example"


def test_deploy_md_names_the_tfvars_file_the_pipeline_reads() -> None:
    source = re.search(r'source="gs://\$\{_STATE_BUCKET\}/([^"]+)"', CLOUDBUILD)
    assert source, "cloudbuild.yaml's tfvars step"
    path = f"gs://$PROJECT-tfstate/{source.group(1)}"
    assert f"gcloud storage cp terraform/terraform.tfvars {path}" in DEPLOY_MD


def test_the_lock_file_procedure_is_the_one_the_pipeline_asks_for() -> None:
    asked = re.search(r"echo \"  (terraform -chdir=terraform providers lock [^\"]+)\"", CLOUDBUILD)
    assert asked, "cloudbuild.yaml's validate step no longer says how to make the lock file"
    assert asked.group(1) in DEPLOY_MD
    assert "-lockfile=readonly" in CLOUDBUILD and "-lockfile=readonly" in CLOUDBUILD_APPLY
    assert "(docs/deploy.md, The provider lock file)" in CLOUDBUILD
    assert "### The provider lock file" in DEPLOY_MD


def test_the_apply_command_is_the_one_the_deploy_build_prints() -> None:
    printed = re.search(r"echo \"  (gcloud builds triggers run notion-agent-apply [^\"]+)\"", CLOUDBUILD)
    assert printed
    documented = printed.group(1).replace("${LOCATION}", "$REGION").replace("${BUILD_ID}", "BUILD_ID")
    assert documented in DEPLOY_MD


def test_the_first_deploy_checklist_names_sections_that_exist() -> None:
    checklist = DEPLOY_MD[
        DEPLOY_MD.index("### First deploy, top to bottom") : DEPLOY_MD.index("### Prerequisites")
    ]
    steps = re.findall(r"^\d+\. ([^:(\n]+)", checklist, re.M)
    assert len(steps) >= 10
    headings = {h.lower() for h in re.findall(r"^### (.+)$", DEPLOY_MD, re.M)}
    for step in ("The state bucket", "The provider lock file", "Apply", "One public origin"):
        assert any(h.startswith(step.lower()) for h in headings), step
        assert step in checklist
    assert "An existing `(default)` Firestore database" in checklist and "make smoke URL=" in checklist
    assert "GitHub connection's region" in DEPLOY_MD and "docs/iam.md" in checklist


def test_the_rotation_procedure_stages_then_promotes_through_make() -> None:
    section = DEPLOY_MD[DEPLOY_MD.index("### Rotating the signing key") :]
    stage = section.index("make -s signing-key STEP=stage")
    promote = section.index("make -s signing-key STEP=promote")
    assert stage < section.index("sleep 330") < promote  # secret_cache_ttl_s (300 s) in between
    assert "signing-key:" in (ROOT / "mk" / "smoke.mk").read_text()


def _copies(text: str) -> list[str]:
    """The `gcloud storage cp` commands of a text, continuation lines joined, spaces collapsed."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        " ".join(line.split()) for line in joined.splitlines() if line.strip().startswith("gcloud storage cp")
    ]


def test_deploy_md_uploads_the_console_as_the_pipeline_does() -> None:
    """Same objects, same Cache-Control, same order (index.html last), by hand and after an apply."""
    step = CLOUDBUILD_APPLY[CLOUDBUILD_APPLY.index("- id: console") :].replace("$$", "$")
    pipeline = [c for c in _copies(step) if "$dist" in c]
    section = DEPLOY_MD[DEPLOY_MD.index("### The console") :]
    section = section[: section.index("\n### ")]
    assert len(pipeline) == 3 and _copies(section) == pipeline
    assert pipeline[-1].endswith('"$dist/index.html" "$bucket/index.html"')
    for rule in ("public, max-age=31536000, immutable", "no-cache"):
        assert f"`{rule}`" in section


def test_git_ignores_the_operators_tfvars() -> None:
    """terraform.tfvars names a project, a domain and addresses: never committed by accident."""
    for path in ("terraform/terraform.tfvars", "terraform.tfvars"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{path} is not ignored by git (.gitignore)"


# The commands of docs/deploy.md and docs/iam.md, read from their ```sh blocks, so an edit to a doc
# changes what runs. Each block starts with its working directory. Each command is run against the
# local stack (RUN), or is the operator's own value that the test sets to the local stack's
# (PROVIDED), or is excluded with its reason (EXCLUDED); one that is none of these fails, and so does
# a row that no command matches any more.
DOCS = ("deploy.md", "iam.md")
_FENCE = re.compile(r"^(?P<indent> *)```sh\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S)
_DIRECTORY = re.compile(r"# working directory: (the repository root|any)\b")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
_GOOGLE = "needs a real Google Cloud project and the operator's credentials (gcloud has no local stand-in)"
_TERRAFORM = (
    "needs the providers from the Terraform registry and the real project's state; "
    "tests/infra checks terraform/ offline instead"
)
RUN = {
    r"make package\b": "writes build/function-source.zip",
    r"cat > terraform/terraform\.tfvars <<VARS\n": "a tfvars file with every required variable",
    r"\(cd web && npm ci && npm run build\)$": "builds web/dist on the pinned Node.js LTS",
    r"make smoke URL=\$ORIGIN TASK_URLS=\"\$TASK_URLS\"$": "passes against the local stack",
    r"make dead-letters PROJECT=\$PROJECT\b": "lists the local stack's dead letters",
    r"curl -sS -[iI] \$ORIGIN/(api/runs|wp-admin/)?$": "the routes of the one origin answer",
    r"cat > /tmp/(drs|pap)\.yaml <<EOF\n": "an organisation policy naming the project",
    r"S=session-signing-key$": "a name the next commands use",
    r"BILLING=[0-9A-F-]+$": "a name the next commands use",
}
PROVIDED = {
    r"export PROJECT=\S+ REGION=\S+$": "the local stack's project and region",
    r"ORIGIN=https://\S+": "the local stack's one origin (local.gateway routes as the load balancer)",
    r"TASK_URLS=\"https://[^\"]+\"$": "the local stack's plan and notify functions",
}
EXCLUDED = {
    r"gcloud ": _GOOGLE,
    r"(printf|openssl) [^|]+\| (tr -d '\\n' \| )?gcloud ": _GOOGLE,
    r"gcloud secrets versions access latest --secret=\$S \| make -s signing-key": _GOOGLE
    + " (the key steps alone: tests/unit/team/sessions/test_signing_key_rotation.py)",
    r"sleep 330\b": "waits out secret_cache_ttl_s between two steps in Secret Manager",
    r"make erase-tenant TENANT=\S+ PROJECT=\$PROJECT\b": "erases a workspace of the project: "
    "tests/e2e/test_workspace_data.py runs it against the local stack's seeded workspaces",
    r"terraform -chdir=terraform ": _TERRAFORM,
    r"dist=web/dist bucket=\"gs://\$\(terraform -chdir=terraform output": _TERRAFORM,
    r"git add terraform/\.terraform\.lock\.hcl && git commit ": "commits the lock file made with the registry",
    r"make (rollback-release|release-traffic) PROJECT=\$PROJECT REGION=\$REGION\b": _GOOGLE
    + " (tests/infra/deploy/test_rollback.py runs both targets with gcloud faked)",
    r"make restore-indexes PROJECT=\$PROJECT DATABASE=\S+": _GOOGLE
    + " (tests/infra/firestore/test_restore_imports.py runs it with gcloud faked)",
    r"rm terraform/restore_imports\.tf$": "removes the import blocks a real restore wrote",
}


@dataclass(frozen=True)
class Command:
    doc: str
    directory: str  # "the repository root" or "any"
    text: str  # as written: its continuation lines and here-document included


def _split(lines: list[str]) -> Iterator[str]:
    """A block's commands: comments and blank lines left out, continuations and here-documents kept."""
    rest = iter(lines)
    for line in rest:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = [line]
        while command[-1].endswith("\\"):
            command.append(next(rest))
        heredoc = _HEREDOC.search(" ".join(command))
        while heredoc and command[-1] != heredoc.group(1):
            command.append(next(rest))
        yield "\n".join(command)


def documented_blocks(doc: str) -> list[list[Command]]:
    """The ```sh blocks of ``docs/<doc>``, each as its commands."""
    blocks = []
    for block in _FENCE.finditer((ROOT / "docs" / doc).read_text()):
        lines = [line.removeprefix(block["indent"]) for line in block["body"].splitlines()]
        directory = _DIRECTORY.match(lines[0]) if lines else None
        assert directory, f"docs/{doc}: a block that does not start with its working directory: {lines[:1]}"
        blocks.append([Command(doc, directory.group(1), text) for text in _split(lines[1:])])
    return blocks


def kind(command: Command) -> str:
    """Which table, "run", "provided" or "excluded", has the one row the command matches."""
    rows = [
        (name, pattern)
        for name, table in (("run", RUN), ("provided", PROVIDED), ("excluded", EXCLUDED))
        for pattern in table
        if re.match(pattern, command.text)
    ]
    found = {name for name, _ in rows}
    assert found, f"docs/{command.doc}: neither run nor excluded by the test: {command.text!r}"
    assert len(found) == 1, f"docs/{command.doc}: {command.text!r} matches {rows}"
    return found.pop()


def test_every_documented_command_is_run_or_excluded_with_its_reason() -> None:
    for doc in DOCS:  # commands only in ```sh blocks, the ones read here; ```hcl is a file's text
        opened = re.findall(r"^ *```(\S*)$", (ROOT / "docs" / doc).read_text(), re.M)[::2]
        assert set(opened) <= {"sh", "hcl"}, f"docs/{doc}: a block that is neither sh nor hcl: {opened}"
    commands = [c for doc in DOCS for block in documented_blocks(doc) for c in block]
    assert len(commands) >= 30 and {kind(c) for c in commands} == {"run", "provided", "excluded"}
    for table in (RUN, PROVIDED, EXCLUDED):
        for pattern in table:
            assert any(re.match(pattern, c.text) for c in commands), f"no documented command is {pattern!r}"


def _scratch_copy(dest: Path) -> Path:
    """The repository's files (tracked, and new ones git does not ignore) under ``dest``, sharing its
    tools and virtual environment: what the docs' commands write lands there, not in the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)  # times kept: make rebuilds nothing it need not
    for shared in (".tools", ".venv"):
        (dest / shared).symlink_to(ROOT / shared)
    return dest


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.mark.e2e
def test_the_runnable_commands_run_as_written_against_the_local_stack(
    stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = stack.env()
    project = "deploy-docs-project"  # not the stack's own: a command that ignores $PROJECT shows
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", settings["NA_FIRESTORE_EMULATOR_HOST"])
    from google.cloud import firestore

    letters = FirestoreDeadLetters(firestore.Client(project=project))
    letters.keep(dead_letter("notify", b'{"tenant_id": "t7"}', "invalid field(s): kind", datetime.now(UTC)))
    repo, anywhere = _scratch_copy(tmp_path / "repo"), tmp_path / "any"
    anywhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NA_")} | {
        "PROJECT": project,
        "REGION": settings["NA_REGION"],
        "FIRESTORE_EMULATOR_HOST": settings["NA_FIRESTORE_EMULATOR_HOST"],
        "ORIGIN": stack.console_url,
        "TASK_URLS": f"{stack.url(Target.PLAN)} {stack.url(Target.NOTIFY)}",
    }
    # The pipeline's test step has no npm (WEB_PREBUILT=1): its console step ran these npm commands.
    npm = shutil.which("npm") is not None or os.environ.get("WEB_PREBUILT") != "1"
    output = ""
    for doc in DOCS:
        for block in documented_blocks(doc):
            script = "\n".join(c.text for c in block if kind(c) == "run" and (npm or "npm " not in c.text))
            if not script:
                continue
            cwd = repo if block[0].directory == "the repository root" else anywhere
            ran = subprocess.run(
                ["bash", "-c", "set -euo pipefail\n" + script],
                cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=540,
            )  # fmt: skip
            assert ran.returncode == 0, f"docs/{doc}:\n{script}\n{ran.stdout[-2000:]}\n{ran.stderr[-3000:]}"
            output += ran.stdout

    assert (repo / "build" / "function-source.zip").stat().st_size > 0
    tfvars = hcl2.loads(
        (repo / "terraform" / "terraform.tfvars").read_text(), serialization_options=HCL_OPTIONS
    )
    assert tfvars["project_id"] == project and tfvars["state_bucket"] == f"{project}-tfstate"
    assert not npm or (repo / "web" / "dist" / "index.html").stat().st_size > 0
    assert re.search(r"^RESULT checks=\d+ failed=0$", output, re.M), output[-2000:]
    assert "RESULT dead_letters=1" in output and "tenant=t7" in output
    for status in (401, 404):  # /api/runs without a session, /wp-admin/ outside the routes
        assert re.search(rf"HTTP/[\d.]+ {status} ", output), f"no {status} from the origin"
    for policy in ("drs", "pap"):
        assert f"name: projects/{project}/policies/" in Path(f"/tmp/{policy}.yaml").read_text()
