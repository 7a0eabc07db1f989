"""The run log has one owner, read from the source: no other module numbers a run's events or writes
them, no service imports another's private name, the run's services import none of each other's
helpers, and no service decides by matching an error's text."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
OWNER = ROOT / "shared" / "engine" / "services" / "run_log.py"
# Every capability's use cases, and the engine's planning (shared/engine/planning/, one module a concern).
SERVICES = sorted(
    [*(ROOT / "shared").glob("*/services/*.py"), *(ROOT / "shared" / "engine" / "planning").glob("*.py")]
)
SOURCES = [*sorted((ROOT / "shared").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py"))]
RUN_SERVICES = {"engine", "stepping", "start", "humans", "sweeper"}  # start: planning's start_run
# The step the engine carries out: what it calls (the step and its outcomes, which it tells apart,
# are step_state's, shared by the engine and stepping).
STEP_API = {"perform", "held_elsewhere"}
# The reducer checks that each event follows the last (``apply``): it numbers nothing.
REDUCER = ROOT / "shared" / "runs" / "domain" / "state.py"
_SEQ_NAMES = {"seq", "last_seq", "first_seq"}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def mentions_seq(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id in _SEQ_NAMES)
        or (isinstance(n, ast.Attribute) and n.attr in _SEQ_NAMES)
        for n in ast.walk(node)
    )


def seq_arithmetic(tree: ast.AST) -> list[int]:
    """Lines that number events by hand: ``seq=`` given a sum or a literal, arithmetic on a seq, or
    ``seq += ...``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "seq":
            if isinstance(node.value, ast.BinOp | ast.Constant):
                lines.append(node.value.lineno)
        elif (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub) and mentions_seq(node)
        ) or (isinstance(node, ast.AugAssign) and mentions_seq(node.target)):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_hand_numbering() -> None:
    code = "a(seq=state.last_seq + 1)\nb(seq=2)\nseq += 1\nn = self.first_seq + len(x)\nc(seq=seqs.next())\n"
    assert sorted(set(seq_arithmetic(ast.parse(code)))) == [1, 2, 3, 4]


def test_no_module_but_the_run_log_numbers_events() -> None:
    found = {
        rel(path): seq_arithmetic(ast.parse(path.read_text()))
        for path in SOURCES
        if path not in (OWNER, REDUCER)
    }
    assert {path: lines for path, lines in found.items() if lines} == {}
    reducer = seq_arithmetic(ast.parse(REDUCER.read_text()))
    assert len(reducer) == 1  # apply: ``event.seq != state.last_seq + 1``, a check


def test_no_module_but_the_run_log_writes_a_runs_events() -> None:
    writes = {"append", "add_event", "create_run"}
    found = []
    for path in SOURCES:
        if path == OWNER or "adapters" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in writes
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "store"
            ):
                found.append(f"{rel(path)}:{node.lineno}")
    assert found == []


def test_the_checks_read_the_sources() -> None:
    """The paths above name files that exist: a check over no file would pass whatever the code did."""
    assert OWNER.is_file() and REDUCER.is_file()
    assert {p.stem for p in SERVICES} >= RUN_SERVICES | {"run_log", "notion_intake", "delivery"}


def service_imports(path: Path) -> list[tuple[str, str]]:
    """(service, name) for each name ``path`` takes from another service, imported or as an attribute."""
    tree = ast.parse(path.read_text())
    modules: dict[str, str] = {}  # local name → service module
    taken: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if module.startswith("shared.") and module.endswith(".services"):
            modules |= {a.asname or a.name: a.name for a in node.names}
        elif module.startswith("shared.") and ".services." in module:
            service = module.rsplit(".", 1)[1]
            taken += [(service, a.name) for a in node.names]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            taken.append((modules[node.value.id], node.attr))
    return [(service, name) for service, name in taken if service != path.stem]


def test_no_service_uses_another_services_private_name() -> None:
    private = {f"{p.stem}: {s}.{n}" for p in SERVICES for s, n in service_imports(p) if n.startswith("_")}
    assert private == set()


def test_the_run_services_import_none_of_each_others_helpers() -> None:
    taken = {
        (path.stem, service, name)
        for path in SERVICES
        if path.stem in RUN_SERVICES
        for service, name in service_imports(path)
        if service in RUN_SERVICES
    }
    assert taken == {("engine", "stepping", name) for name in STEP_API}


def test_no_service_decides_by_an_errors_text() -> None:
    """``"..." in exc.reason`` or ``reason.startswith(...)``: a typed error (``run_log.StepHeld``) says it."""
    found = []
    for path in SERVICES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Compare)
                and isinstance(node.ops[0], ast.In | ast.NotIn)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
                and any(
                    isinstance(c, ast.Attribute) and c.attr in {"reason", "message"} for c in node.comparators
                )
            ) or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"startswith", "endswith"}
                and isinstance(node.func.value, ast.Attribute | ast.Name)
                and getattr(node.func.value, "attr", getattr(node.func.value, "id", ""))
                in {"reason", "problem"}
            ):
                found.append(f"{rel(path)}:{node.lineno}")
    assert found == []


def seq_keywords(tree: ast.AST) -> list[int]:
    """Lines that give an event its seq: ``seq=`` in a call, whatever its value."""
    return [n.value.lineno for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "seq"]


def test_no_module_but_the_run_log_gives_an_event_its_seq() -> None:
    """Services build events with ``Seqs.event`` (``RunLog.after(state)``): numbered from the state
    the log read, never ``seq=`` written at the call."""
    found = {rel(p): seq_keywords(ast.parse(p.read_text())) for p in SOURCES if p != OWNER}
    assert {path: lines for path, lines in found.items() if lines} == {}
    assert seq_keywords(ast.parse("RunFinished(seq=seqs.next(), at=now)")) == [1]  # the check finds one


# Where a run's ids enter from a request (a decision, a control, a retry): each binds its log once.
ENTRY_POINTS = {
    "shared/engine/services/humans.py": {"respond", "control", "retry"},
    # A GitHub delivery names its run by branch or key: the ids come in there, to a queue, never a log.
    "shared/engine/services/check_wakeups.py": {"_wake_step"},
    # The console's roll back names a code run: its ids come in there and make another run, once.
    "shared/engine/planning/rollback.py": {"ask_rollback"},
}
# What binds the three: the run (``deps.RunRef``), its log, and the log's own ``of``.
BINDERS = {"RunRef", "RunLog", "cls"}
PRODUCT = [*SOURCES, *sorted((ROOT / "local").rglob("*.py"))]


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def ids_apart(tree: ast.AST, defined_here: frozenset[str] = frozenset()) -> list[int]:
    """Lines where ``deps``, a tenant id and a run id travel as three arguments, in any order (a
    definition's parameters or a call's arguments), instead of as the run (``RunLog``). Except what
    binds them (:data:`BINDERS`), calls of the :data:`ENTRY_POINTS` and the ones ``defined_here``."""
    lines = []
    called = {*BINDERS, *(name for names in ENTRY_POINTS.values() for name in names)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name not in defined_here:
            a = node.args
            params = [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
        elif isinstance(node, ast.Call) and _name(node.func) not in called:
            params = [_name(v) for v in [*node.args, *(k.value for k in node.keywords)]]
        else:
            continue
        if {"deps", "tenant_id", "run_id"} <= set(params):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_a_runs_ids_apart() -> None:
    code = (
        "def f(deps, tenant_id, run_id): pass\n"
        "def g(run_id, state, *, deps, tenant_id): pass\n"
        "h(deps, task.tenant_id, state, run_id=task.run_id)\n"
        "RunLog(deps, t.tenant_id, t.run_id)\n"
        "def respond(deps, tenant_id, run_id): pass\n"
        "humans.respond(deps, tenant_id, run_id)\n"
    )
    assert sorted(ids_apart(ast.parse(code))) == [1, 2, 3, 5]
    assert sorted(ids_apart(ast.parse(code), frozenset({"respond"}))) == [1, 2, 3]


def test_a_runs_ids_travel_as_the_run() -> None:
    """No function of the product takes or passes a run as ``(deps, tenant_id, run_id)``: a service
    holds its ``RunLog``, and ``followups``, ``page_notes`` and the Runs rows take it. Only the
    entry points a request's ids come in by (:data:`ENTRY_POINTS`) bind them, once."""
    found = {
        rel(p): ids_apart(ast.parse(p.read_text()), frozenset(ENTRY_POINTS.get(rel(p), ()))) for p in PRODUCT
    }
    assert {path: lines for path, lines in found.items() if lines} == {}
    for path, names in ENTRY_POINTS.items():  # each exception is still there, and still an exception
        tree = ast.parse((ROOT / path).read_text())
        defined = {n.name: n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert names <= defined.keys(), path
        assert {defined[n] for n in names} <= set(ids_apart(tree)), path


def test_planning_builds_a_runs_plan_in_one_place() -> None:
    """``run_planned`` is built by one function (``planning.model.planned_events``), whatever the way
    planning ends."""
    built = []
    for path in SERVICES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) != "isinstance"  # telling a plan apart builds none
                and (_name(node.func) == "RunPlanned" or any(_name(a) == "RunPlanned" for a in node.args))
            ):
                built.append(f"{rel(path)}:{node.lineno}")
    assert len(built) == 1 and built[0].startswith("shared/engine/planning/model.py"), built
