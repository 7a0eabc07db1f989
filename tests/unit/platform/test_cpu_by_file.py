"""The CPU table a pytest session writes (tests/support/platform/cpu_by_file.py): every file, the
costliest first, past the summary line's few."""

from pathlib import Path

from tests.support.platform import cpu_by_file


def test_the_table_holds_every_file_costliest_first_under_its_command(tmp_path: Path) -> None:
    spent = {f"tests/t{n}.py": float(n) for n in range(cpu_by_file.SHOWN + 3)}
    table = cpu_by_file.write(spent, ["-n", "3", "tests"], tmp_path)
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# pytest -n 3 tests"
    assert len(lines) == 1 + len(spent)  # every file, not the line's SHOWN
    assert lines[1] == f"{cpu_by_file.SHOWN + 2}.0\ttests/t{cpu_by_file.SHOWN + 2}.py"
    assert lines[-1] == "0.0\ttests/t0.py"
