"""cloudbuild.yaml and cloudbuild-apply.yaml: validate first, the stages in order, pinned images,
substitutions, their own accounts; the plan stored with the console built for it, only an approved
stored plan applied, and then that console uploaded with its cache rules.

The steps' scripts are run here with fake gcloud and terraform on PATH (tar and sha256sum are real),
as Cloud Build would run them after substitution."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.infra.infra_iam import build_triggers
from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
CLOUDBUILD = ROOT / "cloudbuild.yaml"
CLOUDBUILD_APPLY = ROOT / "cloudbuild-apply.yaml"
INFRA_PYTHON = ROOT / ".venv-infra" / "bin" / "python"


def load_yaml(path: Path) -> Any:
    """PyYAML from this venv if present, else from .venv-infra (checkov depends on it)."""
    try:
        import yaml
    except ImportError:
        if not INFRA_PYTHON.exists():
            pytest.fail(
                "PyYAML is needed: run `make check-infra` (installs .venv-infra) or add pyyaml to the dev group"
            )
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        out = subprocess.run(
            [str(INFRA_PYTHON), "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    loaded = load_yaml(CLOUDBUILD)
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def apply_build() -> dict[str, Any]:
    loaded = load_yaml(CLOUDBUILD_APPLY)
    assert isinstance(loaded, dict)
    return loaded


def _step(build: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in build["steps"] if s.get("id") == step_id)


def test_stages_run_in_order(build: dict[str, Any]) -> None:
    ids = [s["id"] for s in build["steps"]]
    stages = ["validate", "lint", "console", "test", "package", "plan", "store-plan"]
    assert [i for i in ids if i in stages] == stages
    assert ids[0] == "validate", "terraform validate runs before anything else"
    assert "apply" not in ids, "the deploy pipeline never applies: cloudbuild-apply.yaml does"
    assert not any("waitFor" in s for s in build["steps"]), "steps must run sequentially"
    assert "make lint" in " ".join(_step(build, "lint")["args"])
    assert "make test WEB_PREBUILT=1" in " ".join(_step(build, "test")["args"])  # the console built above
    assert "make package" in " ".join(_step(build, "package")["args"])
    console = _step(build, "console")
    assert console["name"].startswith("node:24.") and console["dir"] == "web"
    assert "npm ci" in console["args"][-1] and "npm run build" in console["args"][-1]


# Images pinned by tag only, until a person reads their digest (`docker buildx imagetools inspect
# <image>`, the index digest) and writes it as tag@sha256:<digest>: then this test fails until the
# image is removed from here. No new image may join this set (images pinned by tag).
AWAITING_DIGEST = {
    "gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators",
}
_PINNED = re.compile(r"^[^@\s]+:(\d+\.\d+\.\d+[\w.-]*)(@sha256:[0-9a-f]{64})?$")


def unpinned(images: list[str]) -> list[str]:
    """The images that are not tag@sha256:<digest> with a versioned tag, apart from AWAITING_DIGEST."""
    problems = []
    for image in images:
        match = _PINNED.match(image)
        if match is None or "latest" in image:
            problems.append(f"{image}: not a versioned tag")
        elif match.group(2) is None and image not in AWAITING_DIGEST:
            problems.append(f"{image}: no @sha256 digest")
        elif match.group(2) is not None and image.split("@")[0] in AWAITING_DIGEST:
            problems.append(f"{image}: has its digest now, remove it from AWAITING_DIGEST")
    return problems


def _images(*builds: dict[str, Any]) -> list[str]:
    return [str(step["name"]) for one in builds for step in one["steps"]]


def test_every_image_is_pinned_by_digest(build: dict[str, Any], apply_build: dict[str, Any]) -> None:
    images = _images(build, apply_build, load_yaml(ROOT / "cloudbuild-eval.yaml"))
    assert len(images) == 16
    assert unpinned(images) == []
    assert {image.split("@")[0] for image in images} >= AWAITING_DIGEST, (
        "AWAITING_DIGEST names an unused image"
    )


def test_an_image_pinned_by_tag_alone_is_caught() -> None:
    assert unpinned(["node:24.21.0-bookworm", "hashicorp/terraform:latest", "python:3.13"]) == [
        "node:24.21.0-bookworm: no @sha256 digest",
        "hashicorp/terraform:latest: not a versioned tag",
        "python:3.13: not a versioned tag",
    ]
    digest = "@sha256:" + "0" * 64
    emulators = "gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators"
    assert unpinned([f"{emulators}{digest}"]) == [
        f"{emulators}{digest}: has its digest now, remove it from AWAITING_DIGEST"
    ]


def test_tests_run_where_the_firestore_emulator_and_java_are(build: dict[str, Any]) -> None:
    assert "-emulators" in _step(build, "test")["name"]


def test_substitutions_for_project_and_state(build: dict[str, Any]) -> None:
    subs = build["substitutions"]
    assert {"_DEPLOY_PROJECT", "_STATE_BUCKET", "_STORE_PLAN"} <= set(subs)
    assert subs["_STORE_PLAN"] == "false", "storing a plan must be opted into by the deploy trigger"


def test_own_service_account_and_logging(build: dict[str, Any], apply_build: dict[str, Any]) -> None:
    account = r"projects/\$\{PROJECT_ID\}/serviceAccounts/na-%s@\$\{PROJECT_ID\}\.iam\.gserviceaccount\.com"
    assert re.fullmatch(account % "[a-z-]+", build["serviceAccount"])
    assert re.fullmatch(account % "deployer", apply_build["serviceAccount"])
    assert build["options"]["logging"] == apply_build["options"]["logging"] == "CLOUD_LOGGING_ONLY"


def test_only_the_approved_apply_trigger_applies_and_only_a_stored_plan() -> None:
    triggers = build_triggers()
    apply = triggers["apply"]
    assert apply["approval_config"][0]["approval_required"] is True
    assert apply["git_file_source"][0]["path"] == "cloudbuild-apply.yaml"
    assert apply["service_account"] == '${google_service_account.platform["deployer"].id}'
    assert "approval_config" not in triggers["deploy"], "the deploy build only plans: nothing to approve"
    # The push-to-main build runs npm ci, uv and make test: never as the account that deploys.
    assert triggers["deploy"]["service_account"] == '${google_service_account.platform["release_build"].id}'
    deployer = '${google_service_account.platform["deployer"].id}'
    assert [name for name, t in triggers.items() if t["service_account"] == deployer] == ["apply"]
    assert triggers["deploy"]["substitutions"]["_STORE_PLAN"] == "true"
    assert triggers["deploy"]["github"][0]["push"][0]["branch"] == "^main$"
    assert triggers["checks"]["substitutions"]["_STORE_PLAN"] == "false"
    assert triggers["checks"]["service_account"] == '${google_service_account.platform["ci"].id}'
    applies = [t for t in triggers.values() if "cloudbuild-apply" in json.dumps(t)]
    assert applies == [apply]
    assert "terraform apply" not in CLOUDBUILD.read_text().replace("cloudbuild-apply", "")


TEAM_TFVARS = "/workspace/team.tfvars"


def _plan_commands(build: dict[str, Any]) -> list[str]:
    """The plan step's `terraform plan` command, its continuation lines joined."""
    script = "\n".join(_step(build, "plan")["args"]).replace("\\\n", " ")
    return [line.strip() for line in script.splitlines() if line.strip().startswith("terraform plan")]


def test_the_plan_takes_every_variable_from_the_teams_tfvars(build: dict[str, Any]) -> None:
    """Without the team's file, every variable the triggers do not pass would plan at its default on
    each push to main (smtp, budgets, models, instances reverted; another firestore_location replaces
    the database). Only project_id and state_bucket come from the trigger, after the file."""
    [plan] = _plan_commands(build)
    assert f"-var-file={TEAM_TFVARS}" in plan
    assert set(re.findall(r'-var="?(\w+)=', plan)) == {"project_id", "state_bucket"}
    assert plan.index("-var-file=") < plan.index("-var="), "-var must come after the file to win over it"
    # TF_VAR_ values rank below a -var-file: none is set, so none can look like it counts.
    assert not any(e.startswith("TF_VAR_") for s in build["steps"] for e in s.get("env", []))
    ids = [s["id"] for s in build["steps"]]
    assert ids[1] == "tfvars", "fetch the team's variables next, so a build without them fails fast"
    assert TEAM_TFVARS in " ".join(_step(build, "tfvars")["args"])


def _run_tfvars_step(build: dict[str, Any], tmp_path: Path, gcloud: str) -> subprocess.CompletedProcess[str]:
    """The tfvars step's script, substituted as Cloud Build would, with a fake gcloud on PATH."""
    script = _step(build, "tfvars")["args"][-1]
    script = script.replace("${_STATE_BUCKET}", "team-tfstate").replace("$$", "$")
    script = script.replace("/workspace/", f"{tmp_path}/")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gcloud"
    fake.write_text("#!/bin/bash\n" + gcloud)
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=False)


def test_a_build_without_the_teams_tfvars_fails_saying_what_to_upload(
    build: dict[str, Any], tmp_path: Path
) -> None:
    result = _run_tfvars_step(build, tmp_path, 'echo "ERROR: No URLs matched: $3" >&2; exit 1\n')
    assert result.returncode != 0
    assert "gs://team-tfstate/notion-agent/terraform.tfvars" in result.stderr
    assert "gcloud storage cp terraform/terraform.tfvars" in result.stderr
    assert not (tmp_path / "team.tfvars").exists()


def test_a_build_with_the_teams_tfvars_plans_with_them(build: dict[str, Any], tmp_path: Path) -> None:
    copy = '[ "$1 $2 $3" = "storage cp gs://team-tfstate/notion-agent/terraform.tfvars" ] || exit 9\n'
    copy += 'echo \'smtp = { host = "smtp.example" }\' > "$4"\n'
    result = _run_tfvars_step(build, tmp_path, copy)
    assert result.returncode == 0, result.stderr
    assert "smtp.example" in (tmp_path / "team.tfvars").read_text()


def test_an_empty_tfvars_file_fails_the_build(build: dict[str, Any], tmp_path: Path) -> None:
    result = _run_tfvars_step(build, tmp_path, ': > "$4"\n')
    assert result.returncode != 0
    assert "empty" in result.stderr


def test_the_triggers_set_exactly_the_substitutions_the_build_uses(build: dict[str, Any]) -> None:
    """Cloud Build refuses a trigger substitution its build does not use; one the triggers do not set
    would keep the YAML's placeholder."""
    for path, names in ((CLOUDBUILD, ("checks", "deploy")), (CLOUDBUILD_APPLY, ("apply",))):
        used = set(re.findall(r"\$\{(_[A-Z_]+)\}", path.read_text()))
        assert used == set(load_yaml(path)["substitutions"]), path.name
        for name in names:
            trigger = build_triggers()[name]
            assert set(trigger["substitutions"]) == used, name
            assert trigger["substitutions"]["_STATE_BUCKET"] == "${var.state_bucket}"
    assert build_triggers()["deploy"]["substitutions"]["_DEPLOY_PROJECT"] == "${var.project_id}"


def _run_step(
    step: dict[str, Any], tmp_path: Path, subs: dict[str, str], fakes: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """A step's script substituted as Cloud Build would, in ``tmp_path`` (the workspace), with fake
    programs on PATH (``fakes``: name -> bash body; each call is appended to ``tmp_path/calls``)."""
    script = step["args"][-1]
    for name, value in subs.items():
        script = script.replace("${" + name + "}", value)
    script = (
        script.replace("$$", "$").replace("/workspace/", f"{tmp_path}/").replace("/workspace", str(tmp_path))
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in fakes.items():
        fake = bin_dir / name
        fake.write_text(f'#!/bin/bash\necho "{name} $*" >> {tmp_path}/calls\n{body}\n')
        fake.chmod(0o755)
    cwd = tmp_path / step.get("dir", "")
    cwd.mkdir(parents=True, exist_ok=True)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )


def _calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_validate_refuses_a_build_without_the_lock_file(build: dict[str, Any], tmp_path: Path) -> None:
    result = _run_step(_step(build, "validate"), tmp_path, {}, {"terraform": ""})
    assert result.returncode == 1
    assert ".terraform.lock.hcl is missing" in result.stderr and "providers lock" in result.stderr
    assert _calls(tmp_path) == []  # nothing ran without it


def test_validate_runs_with_the_committed_lock_file(build: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / ".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/google" {}\n'
    )
    result = _run_step(_step(build, "validate"), tmp_path, {}, {"terraform": ""})
    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path) == [
        "terraform init -input=false -backend=false -lockfile=readonly",
        "terraform validate",
    ]


def _planned_workspace(tmp_path: Path) -> None:
    """What the plan step leaves in the workspace: the plan, its text, terraform/ and the archive."""
    terraform = tmp_path / "terraform"
    (terraform / ".terraform" / "providers").mkdir(parents=True)
    (terraform / ".terraform" / "providers" / "huge-binary").write_text("not stored")
    (terraform / "main.tf").write_text('resource "x" "y" {}\n')
    (terraform / ".terraform.lock.hcl").write_text("lock\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "function-source.zip").write_text("zip")
    (tmp_path / "tfplan").write_text("the plan")
    (tmp_path / "tfplan.txt").write_text("Plan: 1 to add")
    _write(tmp_path / "web" / "dist", CONSOLE_FILES)
    _write(tmp_path / "web" / "node_modules", {"left-pad/index.js": "not stored"})


CONSOLE_FILES = {
    "index.html": '<script type="module" src="/assets/app.3f2a9c1b.js"></script>',
    "favicon.ico": "icon",
    "assets/app.3f2a9c1b.js": "js",
    "assets/app.9e8d7c6b.css": "css",
    "assets/index-BXhV3k9a.js": "vite's default naming",
    "assets/app.3f2a9c1b.js.map": "source map",
}


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)


def test_the_deploy_build_stores_its_plan_with_what_it_was_made_from(
    build: dict[str, Any], tmp_path: Path
) -> None:
    _planned_workspace(tmp_path)
    subs = {
        "_STORE_PLAN": "true",
        "_STATE_BUCKET": "team-tfstate",
        "BUILD_ID": "b-1",
        "LOCATION": "europe-west1",
    }
    result = _run_step(_step(build, "store-plan"), tmp_path, subs, {"gcloud": ""})
    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path) == [
        "gcloud storage cp deployment.tar.gz deployment.sha256 tfplan.txt gs://team-tfstate/notion-agent/plans/b-1/"
    ]
    listing = subprocess.run(
        ["tar", "-tzf", str(tmp_path / "deployment.tar.gz")], capture_output=True, text=True, check=True
    )
    members = set(listing.stdout.split())
    assert {
        "tfplan",
        "terraform/main.tf",
        "terraform/.terraform.lock.hcl",
        "build/function-source.zip",
        *(f"web/dist/{name}" for name in CONSOLE_FILES),
    } <= members
    assert not [m for m in members if m.startswith(("terraform/.terraform/", "web/node_modules"))]
    assert "_PLAN_BUILD=b-1" in result.stdout
    check = subprocess.run(
        ["sha256sum", "-c", "deployment.sha256"], cwd=tmp_path, capture_output=True, check=False
    )
    assert check.returncode == 0


def test_pull_request_builds_store_nothing(build: dict[str, Any], tmp_path: Path) -> None:
    _planned_workspace(tmp_path)
    subs = {"_STORE_PLAN": "false", "_STATE_BUCKET": "team-tfstate", "BUILD_ID": "b-1", "LOCATION": "x"}
    result = _run_step(_step(build, "store-plan"), tmp_path, subs, {"gcloud": "exit 9"})
    assert result.returncode == 0 and _calls(tmp_path) == []


def _stored_plan(tmp_path: Path, lock: bool = True) -> Path:
    """A plan as the deploy build stores it, in a directory standing for its gs:// folder."""
    made = tmp_path / "made"
    made.mkdir()
    _planned_workspace(made)
    if not lock:
        (made / "terraform" / ".terraform.lock.hcl").unlink()
    store = tmp_path / "store"
    store.mkdir()
    tar = ["tar", "--exclude=terraform/.terraform", "-czf", str(store / "deployment.tar.gz")]
    subprocess.run(
        [*tar, "tfplan", "terraform", "build/function-source.zip", "web/dist"], cwd=made, check=True
    )
    digest = subprocess.run(
        ["sha256sum", "deployment.tar.gz"], cwd=store, capture_output=True, text=True, check=True
    )
    (store / "deployment.sha256").write_text(digest.stdout)
    (store / "tfplan.txt").write_text("Plan: 1 to add")  # what the approver read
    return store


# A fake `gcloud storage cp SRC... DEST` that copies from the local "bucket" directory.
FAKE_CP = 'dest="${@: -1}"; for src in "${@:3:$#-3}"; do cp "%s/$(basename "$src")" "$dest"; done'


def _fetch(apply_build: dict[str, Any], tmp_path: Path, store: Path, plan_build: str = "b-1") -> Any:
    work = tmp_path / "work"
    work.mkdir()
    subs = {"_STATE_BUCKET": "team-tfstate", "_PLAN_BUILD": plan_build}
    return work, _run_step(_step(apply_build, "fetch-plan"), work, subs, {"gcloud": FAKE_CP % store})


def test_the_apply_build_applies_exactly_the_stored_plan(apply_build: dict[str, Any], tmp_path: Path) -> None:
    work, fetched = _fetch(apply_build, tmp_path, _stored_plan(tmp_path))
    assert fetched.returncode == 0, fetched.stderr
    assert _calls(work) == [
        "gcloud storage cp gs://team-tfstate/notion-agent/plans/b-1/deployment.tar.gz "
        "gs://team-tfstate/notion-agent/plans/b-1/deployment.sha256 "
        "gs://team-tfstate/notion-agent/plans/b-1/tfplan.txt ."
    ]
    assert (work / "deployment" / "terraform" / "main.tf").exists()
    assert (work / "deployment" / "build" / "function-source.zip").exists()  # ../build from terraform/
    assert (work / "deployment" / "web" / "dist" / "index.html").exists()
    (work / "calls").unlink()
    applied = _apply(apply_build, work, shown="Plan: 1 to add")
    assert applied.returncode == 0, applied.stderr
    init, show, apply, output = _calls(work)
    assert "-lockfile=readonly" in init and "bucket=team-tfstate" in init
    assert show == f"terraform show -no-color {work}/deployment/tfplan"
    assert apply == f"terraform apply -input=false {work}/deployment/tfplan"
    # The console's bucket, as the apply left it, for the upload that comes next.
    assert output == "terraform output -raw console_bucket"
    assert (work / "console-bucket").read_text().strip() == "acme-notion-agent-console"
    assert [s["id"] for s in apply_build["steps"]] == ["fetch-plan", "apply", "console"]


def _apply(apply_build: dict[str, Any], work: Path, shown: str) -> subprocess.CompletedProcess[str]:
    """The apply step after fetch-plan, with a fake terraform whose `show` of the plan prints ``shown``."""
    terraform = (
        '[ "$1 $2 $3" = "output -raw console_bucket" ] && echo acme-notion-agent-console\n'
        f'[ "$1" = show ] && printf %s "{shown}"\ntrue'
    )
    return _run_step(
        _step(apply_build, "apply"), work, {"_STATE_BUCKET": "team-tfstate"}, {"terraform": terraform}
    )


def test_a_plan_that_is_not_the_text_the_approver_read_is_not_applied(
    apply_build: dict[str, Any], tmp_path: Path
) -> None:
    """The build that stored the plan ran third-party code: its tfplan.txt could hide what the plan
    does. The apply build renders the plan itself and applies only when it is that text."""
    work, fetched = _fetch(apply_build, tmp_path, _stored_plan(tmp_path))
    assert fetched.returncode == 0, fetched.stderr
    (work / "calls").unlink()
    applied = _apply(apply_build, work, shown="Plan: 1 to add, 1 to destroy")
    assert applied.returncode == 1 and "not the one tfplan.txt shows" in applied.stderr
    assert not any(call.startswith("terraform apply") for call in _calls(work))


def test_a_tampered_plan_is_not_applied(apply_build: dict[str, Any], tmp_path: Path) -> None:
    store = _stored_plan(tmp_path)
    with (store / "deployment.tar.gz").open("ab") as tar:
        tar.write(b"x")
    _, fetched = _fetch(apply_build, tmp_path, store)
    assert fetched.returncode == 1 and "does not match its SHA-256" in fetched.stderr


def test_a_plan_made_without_the_lock_file_is_not_applied(
    apply_build: dict[str, Any], tmp_path: Path
) -> None:
    _, fetched = _fetch(apply_build, tmp_path, _stored_plan(tmp_path, lock=False))
    assert fetched.returncode == 1 and ".terraform.lock.hcl: not applied" in fetched.stderr


def test_the_apply_build_needs_a_plan_named(apply_build: dict[str, Any], tmp_path: Path) -> None:
    work, fetched = _fetch(apply_build, tmp_path, _stored_plan(tmp_path), plan_build="")
    assert fetched.returncode == 1 and "_PLAN_BUILD" in fetched.stderr and _calls(work) == []


# --- the console: built with the plan, uploaded after the approved apply -------------------------------

# A fake `npm` for the console step: `npm run build` writes the files of $DIST (name=text lines).
FAKE_NPM = """if [ "$1 $2" = "run build" ]; then
  while IFS='=' read -r name text; do mkdir -p "dist/$(dirname "$name")"; printf '%s' "$text" > "dist/$name"; done < ../dist.txt
fi"""


def _console_build(build: dict[str, Any], tmp_path: Path, files: dict[str, str]) -> Any:
    (tmp_path / "dist.txt").write_text("".join(f"{name}={text}\n" for name, text in files.items()))
    return _run_step(_step(build, "console"), tmp_path, {}, {"npm": FAKE_NPM})


def test_the_console_is_built_with_npm_ci_for_the_stored_plan(build: dict[str, Any], tmp_path: Path) -> None:
    result = _console_build(build, tmp_path, CONSOLE_FILES)
    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path) == ["npm ci --no-audit --no-fund", "npm run build"]
    assert (tmp_path / "web" / "dist" / "assets" / "app.3f2a9c1b.js").read_text() == "js"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"assets/app.3f2a9c1b.js": "js"}, "wrote no web/dist/index.html"),
        (CONSOLE_FILES | {"robots.txt": "x"}, "serves only index.html, favicon.ico and assets/"),
        (CONSOLE_FILES | {"static/app.3f2a9c1b.js": "x"}, "serves only index.html, favicon.ico and assets/"),
        (CONSOLE_FILES | {"assets/app.js": "x"}, "no content hash"),
        (CONSOLE_FILES | {"assets/logo.svg": "x"}, "no content hash"),
    ],
)
def test_a_console_the_load_balancer_could_not_serve_right_fails_the_build(
    build: dict[str, Any], tmp_path: Path, files: dict[str, str], message: str
) -> None:
    """An asset without a hash would be cached for a year under a name its next version reuses; a
    file outside index.html, favicon.ico and assets/ has no route. Neither reaches the stored plan."""
    result = _console_build(build, tmp_path, files)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_the_console_build_lets_through_what_the_url_map_routes(build: dict[str, Any], tf: Terraform) -> None:
    """The names the build step admits at web/dist's top are the console route's paths."""
    rules = tf.resources["google_compute_url_map"]["public"]["path_matcher"][0]["route_rules"]
    [console] = [r for r in rules if r["service"] == "${google_compute_backend_bucket.console.id}"]
    routed = {m.get("full_path_match") or m["prefix_match"] for m in console["match_rules"]}
    admitted = set(re.findall(r"! -name ([\w.]+)", _step(build, "console")["args"][-1]))
    assert routed == {"/"} | {f"/{name}" for name in admitted - {"assets"}} | {"/assets/"}


SEPARATOR = "\x1f"
# A fake gcloud that records each call's arguments exactly (they hold spaces), one call a line.
FAKE_GCLOUD = f'for a in "$@"; do printf "%s{SEPARATOR}" "$a"; done >> "$WORK/gcloud-calls"; echo >> "$WORK/gcloud-calls"'


def _upload(apply_build: dict[str, Any], tmp_path: Path, files: dict[str, str]) -> Any:
    """The console step after an apply: the stored plan's web/dist, the bucket the apply named."""
    _write(tmp_path / "deployment" / "web" / "dist", files)
    (tmp_path / "console-bucket").write_text("acme-notion-agent-console\n")
    step = _step(apply_build, "console")
    fake = FAKE_GCLOUD.replace("$WORK", str(tmp_path))
    (tmp_path / "gcloud-calls").touch()
    result = _run_step(step, tmp_path, {}, {"gcloud": fake})
    lines = (tmp_path / "gcloud-calls").read_text().splitlines()
    return result, [line.split(SEPARATOR)[:-1] for line in lines]


def _cache_control(call: list[str]) -> str:
    [value] = [a.removeprefix("--cache-control=") for a in call if a.startswith("--cache-control=")]
    return value


def test_the_console_upload_caches_assets_for_a_year_and_index_html_never(
    apply_build: dict[str, Any], tmp_path: Path
) -> None:
    result, calls = _upload(apply_build, tmp_path, CONSOLE_FILES)
    assert result.returncode == 0, result.stderr
    assert all(call[:2] == ["storage", "cp"] for call in calls), "only copies: nothing deleted"
    dist, bucket = f"{tmp_path}/deployment/web/dist", "gs://acme-notion-agent-console"
    assets, favicon, index = calls
    assert "--recursive" in assets and assets[-2:] == [f"{dist}/assets", f"{bucket}/"]
    assert _cache_control(assets) == "public, max-age=31536000, immutable"
    assert favicon[-2:] == [f"{dist}/favicon.ico", f"{bucket}/favicon.ico"]
    assert "immutable" not in _cache_control(favicon)  # its name carries no hash
    # Last, so that it never names an asset not yet uploaded; revalidated on every load.
    assert index[-2:] == [f"{dist}/index.html", f"{bucket}/index.html"]
    assert _cache_control(index) == "no-cache"
    script = _step(apply_build, "console")["args"][-1]
    assert not re.search(r"\b(rm|rsync|delete)\b", script), "old assets stay for pages already open"


def test_without_a_built_console_nothing_is_uploaded(apply_build: dict[str, Any], tmp_path: Path) -> None:
    result, calls = _upload(apply_build, tmp_path, {"assets/app.3f2a9c1b.js": "js"})
    assert result.returncode == 1 and "no web/dist/index.html" in result.stderr
    assert calls == []


def test_the_eval_build_runs_make_eval_agents_against_vertex_in_its_own_project() -> None:
    """cloudbuild-eval.yaml (docs/deploy.md, "Measuring the agents"): the harness with the vertex
    backend, in the build's project, with the models and threshold its substitutions name, each used."""
    path = ROOT / "cloudbuild-eval.yaml"
    eval_build = load_yaml(path)
    step = _step(eval_build, "eval-agents")
    env = dict(e.split("=", 1) for e in step["env"])
    assert env["NA_MODEL_BACKEND"] == "vertex" and env["NA_GCP_PROJECT"] == "${PROJECT_ID}"
    assert env["NA_MODEL_PLAN"] == "${_MODEL_PLAN}" and env["NA_MODEL_DRAFT"] == "${_MODEL_DRAFT}"
    assert 'make eval-agents EVAL_MIN_PASSED="${_MIN_PASSED}"' in step["args"][-1]
    used = set(re.findall(r"\$\{(_[A-Z_]+)\}", path.read_text()))
    assert used == set(eval_build["substitutions"])
    assert eval_build["serviceAccount"].endswith("/na-eval@${PROJECT_ID}.iam.gserviceaccount.com")
    trigger = build_triggers()["eval"]
    assert trigger["service_account"] == '${google_service_account.platform["eval"].id}'
    assert trigger["git_file_source"][0]["path"] == "cloudbuild-eval.yaml"
    assert set(trigger["substitutions"]) == used and "approval_config" not in trigger
    assert trigger["substitutions"]["_MODEL_PLAN"] == "${var.model_plan}"
