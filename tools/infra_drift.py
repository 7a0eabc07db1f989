"""Hold terraform/ against the code: functions, queues, platform secrets and settings.

The code side is read from the code itself (``functions/main.py`` with ``ast``, ``shared.platform.config``
by import), never from a copied list, so a target, queue, secret or setting added to the code
without its Terraform counterpart is drift. Used by tests/infra and tools/check_infra.py.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM_DIR = ROOT / "terraform"
MAIN_PY = ROOT / "functions" / "main.py"
# Every function's environment: the settings, and the runtime's own per function (functions.tf).
FUNCTION_ENV = "${merge(local.settings_env, local.runtime_env[each.key])}"
HCL_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@dataclass(frozen=True)
class Terraform:
    """The root module, all *.tf files merged: resources by type then name, and the merged locals."""

    resources: dict[str, dict[str, dict[str, Any]]]
    locals: dict[str, Any]
    variables: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class CodeModel:
    """What the code says must exist."""

    targets: frozenset[str]  # functions/main.py
    target_enum: frozenset[str]  # shared.platform.topology.Target
    queues: Mapping[str, str]  # queue id -> target (shared.platform.topology.QUEUE_TARGETS, every Queue)
    secrets: frozenset[str]  # shared.platform.config.PlatformSecret
    settings_env: frozenset[str]  # NA_<FIELD> of every shared.platform.config.Settings field


def load_terraform(directory: Path = TERRAFORM_DIR) -> Terraform:
    resources: dict[str, dict[str, dict[str, Any]]] = {}
    merged: dict[str, dict[str, Any]] = {"locals": {}, "variable": {}, "output": {}}
    for path in sorted(directory.glob("*.tf")):
        doc = hcl2.loads(path.read_text(), serialization_options=HCL_OPTIONS)
        for block in doc.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    if name in resources.setdefault(rtype, {}):
                        raise ValueError(f"{path.name}: duplicate resource {rtype}.{name}")
                    resources[rtype][name] = body
        for kind in ("locals", "variable", "output"):
            for block in doc.get(kind, []):
                for key, value in block.items():
                    if key in merged[kind]:
                        raise ValueError(f"{path.name}: duplicate {kind} {key}")
                    merged[kind][key] = value
    return Terraform(resources, merged["locals"], merged["variable"], merged["output"])


def main_targets(path: Path = MAIN_PY) -> frozenset[str]:
    """The functions-framework targets that ``functions/main.py`` exposes.

    Understood forms, in order: a module-level ``TARGETS`` tuple/list/set (of strings or
    ``Target.X``), else ``__all__``, else the public top-level ``def``s.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    for wanted in ("TARGETS", "__all__"):
        for node in tree.body:
            value = _assigned_value(node, wanted)
            if value is not None:
                return frozenset(_target_names(value, path))
    defs = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
    }
    if not defs:
        raise ValueError(f"{path}: no TARGETS, __all__ or public top-level function found")
    return frozenset(defs)


def _assigned_value(node: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
        return node.value
    return None


def _target_names(value: ast.expr, path: Path) -> Iterator[str]:
    if isinstance(value, ast.Call) and not value.args and not value.keywords:  # tuple(), frozenset()
        return
    if isinstance(value, ast.Call) and len(value.args) == 1:  # frozenset({...}), tuple([...])
        value = value.args[0]
    if not isinstance(value, ast.Tuple | ast.List | ast.Set):
        raise ValueError(f"{path}: TARGETS must be a literal tuple, list or set")
    from shared.platform.topology import Target

    for element in value.elts:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            yield element.value
        elif isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name):
            yield Target[element.attr].value
        else:
            raise ValueError(f"{path}: cannot read target {ast.unparse(element)!r}")


def code_model(main_py: Path = MAIN_PY) -> CodeModel:
    from shared.platform import config, topology

    env = {variable for variable, _, _ in config.documented()}
    missing = [q.value for q in topology.Queue if q not in topology.QUEUE_TARGETS]
    if missing:
        raise ValueError(f"shared.platform.topology.QUEUE_TARGETS has no target for queue(s) {missing}")
    return CodeModel(
        targets=main_targets(main_py),
        target_enum=frozenset(t.value for t in topology.Target),
        queues={q.value: topology.QUEUE_TARGETS[q].value for q in topology.Queue},
        secrets=frozenset(s.value for s in config.PlatformSecret),
        settings_env=frozenset(env),
    )


_FOR_FUNCTIONS = re.compile(
    r"^\$\{\{for (\w+), (\w+) in local\.functions : \1 => \2(?: if (!?)\2\.(\w+))?\}\}$"
)


def function_instances(tf: Terraform) -> list[tuple[str, str]]:
    """(resource name, entry point) for every google_cloudfunctions2_function instance."""
    functions = tf.locals.get("functions", {})
    found: list[tuple[str, str]] = []
    for name, body in tf.resources.get("google_cloudfunctions2_function", {}).items():
        entry = str(_first(body.get("build_config")).get("entry_point"))
        for_each = body.get("for_each")
        if for_each is None:
            found.append((name, entry))
            continue
        keys = for_each_function_keys(str(for_each), functions)
        if entry != "${each.key}":
            raise ValueError(f"google_cloudfunctions2_function.{name}: entry_point must be each.key")
        found.extend((name, key) for key in keys)
    return found


def for_each_function_keys(expression: str, functions: Mapping[str, Any]) -> list[str]:
    """Evaluate the for_each forms this configuration uses over local.functions."""
    if expression == "${local.functions}":
        return list(functions)
    match = _FOR_FUNCTIONS.match(expression)
    if not match:
        raise ValueError(f"for_each {expression!r} is not a form tools/infra_drift.py understands")
    negate, attribute = match.group(3), match.group(4)
    if attribute is None:
        return list(functions)
    return [key for key, fn in functions.items() if bool(fn.get(attribute)) != (negate == "!")]


_INGRESS = re.compile(r'\$\{each\.value\.(\w+) \? "(\w+)" : "(\w+)"\}')


def function_ingress(tf: Terraform) -> dict[str, str]:
    """Each function's ingress_settings, keyed by entry point: the one function block's value is a
    literal or ``each.value.<flag> ? "<if set>" : "<otherwise>"`` over local.functions."""
    functions = tf.locals.get("functions", {})
    found: dict[str, str] = {}
    for name, body in tf.resources.get("google_cloudfunctions2_function", {}).items():
        value = str(_first(body.get("service_config")).get("ingress_settings"))
        match = _INGRESS.fullmatch(value)
        for key in for_each_function_keys(str(body.get("for_each")), functions):
            if match:
                found[key] = match.group(2) if functions[key].get(match.group(1)) else match.group(3)
            elif value.startswith("${"):
                raise ValueError(
                    f"google_cloudfunctions2_function.{name}: ingress {value!r} is not understood"
                )
            else:
                found[key] = value
    return found


def _first(blocks: Any) -> dict[str, Any]:
    if isinstance(blocks, list):
        return blocks[0] if blocks else {}
    return blocks if isinstance(blocks, dict) else {}


def _both_ways(kind: str, code: set[str] | frozenset[str], tf: set[str], where: str) -> list[str]:
    items = [f"{kind} {name!r} is in the code but not in {where}" for name in sorted(code - tf)]
    items += [f"{kind} {name!r} is in {where} but not in the code" for name in sorted(tf - code)]
    return items


def drift(code: CodeModel, tf: Terraform) -> list[str]:
    """Every mismatch between the code and the Terraform configuration, one line each."""
    items = _both_ways("target", code.target_enum, set(code.targets), "functions/main.py")
    items += _function_drift(code, tf)
    items += _settings_drift(code, tf)
    items += _queue_drift(code, tf)
    items += _secret_drift(code, tf)
    return items


def _function_drift(code: CodeModel, tf: Terraform) -> list[str]:
    try:
        instances = function_instances(tf)
    except ValueError as error:
        return [str(error)]
    counts = Counter(entry for _, entry in instances)
    items = [
        f"target {t!r} has {counts[t]} google_cloudfunctions2_function instances, expected exactly 1"
        for t in sorted(code.targets | code.target_enum)
        if counts[t] != 1
    ]
    items += [
        f"google_cloudfunctions2_function entry point {e!r} is not a target of functions/main.py"
        for e in sorted(set(counts) - code.targets)
    ]
    for name, body in tf.resources.get("google_cloudfunctions2_function", {}).items():
        if _first(body.get("build_config")).get("runtime") != "python313":
            items.append(f"google_cloudfunctions2_function.{name}: runtime is not python313")
        if _first(body.get("service_config")).get("environment_variables") != FUNCTION_ENV:
            items.append(f"google_cloudfunctions2_function.{name}: environment is not {FUNCTION_ENV}")
    return items


def _settings_drift(code: CodeModel, tf: Terraform) -> list[str]:
    env = tf.locals.get("settings_env")
    if not isinstance(env, dict):
        return ["local.settings_env is missing from terraform/"]
    return _both_ways("setting", code.settings_env, set(env), "local.settings_env")


def _queue_drift(code: CodeModel, tf: Terraform) -> list[str]:
    queues = tf.locals.get("queues")
    if not isinstance(queues, dict):
        return ["local.queues is missing from terraform/"]
    items = _both_ways("queue", set(code.queues), set(queues), "local.queues")
    for queue_id in sorted(set(code.queues) & set(queues)):
        if queues[queue_id].get("target") != code.queues[queue_id]:
            items.append(
                f"queue {queue_id!r} targets {queues[queue_id].get('target')!r} in terraform/ but "
                f"{code.queues[queue_id]!r} in shared.platform.topology.QUEUE_TARGETS"
            )
    resource = tf.resources.get("google_cloud_tasks_queue", {})
    if [body.get("for_each") for body in resource.values()] != ["${local.queues}"]:
        items.append("google_cloud_tasks_queue must be one resource with for_each = local.queues")
    return items


def _secret_drift(code: CodeModel, tf: Terraform) -> list[str]:
    secrets = tf.locals.get("platform_secrets")
    if not isinstance(secrets, dict):
        return ["local.platform_secrets is missing from terraform/"]
    items = _both_ways("platform secret", code.secrets, set(secrets), "local.platform_secrets")
    resource = tf.resources.get("google_secret_manager_secret", {})
    if [body.get("for_each") for body in resource.values()] != ["${local.platform_secrets}"]:
        items.append(
            "google_secret_manager_secret must be one resource with for_each = local.platform_secrets"
        )
    return items
