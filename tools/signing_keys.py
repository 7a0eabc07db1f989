"""Stage and promote a new session-signing-key version (docs/deploy.md, "Rotating the signing key").

Reads the secret's current value on stdin and writes the next value on stdout, for
``gcloud secrets versions add session-signing-key --data-file=-``; never prints a key elsewhere.
  stage    keep the current version signing, add a new one that every instance will accept
  promote  sign with the staged version; keep the one it replaces for tokens still live
"""

import argparse
import json
import secrets
import sys

from shared.platform.domain.signed_tokens import ring


def stage(material: str) -> str:
    """The ring that still signs with the current version and also accepts a new one (and the
    previous, if any); a ring that already has a staged version is refused."""
    current, keys = ring(material)
    if max(keys, key=int) != current:
        raise ValueError(f"version {max(keys, key=int)} is staged already: promote it first")
    staged = str(int(current) + 1)
    kept = {kid: key for kid, key in keys.items() if int(kid) >= int(current) - 1}
    return json.dumps({"current": current, "keys": kept | {staged: secrets.token_urlsafe(48)}})


def promote(material: str) -> str:
    """The ring that signs with the staged version and accepts the one it replaces."""
    current, keys = ring(material)
    staged = max(keys, key=int)
    if staged == current:
        raise ValueError("no staged version: stage one first")
    return json.dumps({"current": staged, "keys": {current: keys[current], staged: keys[staged]}})


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("stage", "promote"))
    args = parser.parse_args()
    material = sys.stdin.read().strip()
    if not material:
        print("the current secret value is needed on stdin", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(stage(material) if args.step == "stage" else promote(material))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
