"""Generate the typed Python client of the api from its contract (docs/api/openapi.json) with
openapi-python-client (decision 0161): ``make client-python`` writes an installable package to
build/clients/python (``pip install build/clients/python``; docs/clients.md). Generated, never
committed: it is made again from the contract it types, so it cannot fall behind it."""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "docs" / "api" / "openapi.json"
OUT = ROOT / "build" / "clients" / "python"
PACKAGE = "notion_agent_client"
# literal_enums: the contract's time zones hold names that differ only by case (GMT0, GMT-0), which
# an Enum's member names cannot tell apart; Literal types keep each value as it is.
CONFIG = (
    f"project_name_override: notion-agent-client\npackage_name_override: {PACKAGE}\nliteral_enums: true\n"
)


_OPTIONS = ("--meta", "uv", "--overwrite", "--config")


def generate(out: Path = OUT, contract: Path = CONTRACT) -> Path:
    """Write the client package for ``contract`` into ``out`` (replaced): ``out``. Raises
    CalledProcessError, with the generator's output, when it cannot."""
    generator = Path(sys.executable).parent / "openapi-python-client"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as config:
        config.write(CONFIG)
        config.flush()
        subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(contract),
                "--output-path",
                str(out),
                *_OPTIONS,
                config.name,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help=f"where it goes (default: {OUT})")
    args = parser.parse_args()
    try:
        print(f"the Python client: {generate(args.out)} (pip install {args.out})")
    except subprocess.CalledProcessError as exc:
        print(exc.stdout, exc.stderr, sep="\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
