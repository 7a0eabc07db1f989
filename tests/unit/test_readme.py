"""README.md documents every setting and the two set-up commands."""

from pathlib import Path

from shared.config import documented
from tools.settings_table import BEGIN, END, table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme_table_with_its_meaning() -> None:
    table_text = README.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table_text == table(), "run: python -m tools.settings_table --write README.md"
    for variable, _, meaning in documented():
        assert f"`{variable}`" in table_text and meaning


def test_the_readme_gives_the_two_set_up_commands() -> None:
    assert "make demo" in README and "make test" in README


def test_the_readme_cost_figures_are_the_cost_models() -> None:
    from tools.cost_model import estimate

    for tenants, rounding in ((100, 5), (10_000, 100)):
        total = sum(estimate(tenants).values())
        assert f"${round(total / rounding) * rounding:,.0f} at {tenants:,} tenants" in README
