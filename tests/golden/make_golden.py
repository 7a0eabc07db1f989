"""Write the golden fixtures (``tests/golden/*.json``) from the examples of ``kinds``.

Run once, by the code whose stored shapes are to hold: ``.venv/bin/python -m tests.golden.make_golden``.
"""

import json
from pathlib import Path

from tests.golden.kinds import kinds, stored

HERE = Path(__file__).parent


def main() -> None:
    for name, (example, _) in kinds().items():
        text = json.dumps(stored(example), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (HERE / f"{name}.json").write_text(text)


if __name__ == "__main__":
    main()
