"""What the secret scan found in a change, said without the secret: the places of a change's texts, a
finding, and the message that stops a push. Pure: the scan itself is
``shared.code.services.secret_scan``; the repository's policy and its checks of a change are
``shared.workspace.domain.code_policy``.
"""

from typing import NamedTuple

# The places of a change's texts, as a finding names them (a file is named by its path or number).
TITLE, BODY, COMMIT = "the title", "the description", "the commit message"


class SecretFinding(NamedTuple):
    """A secret the scan found: its kind (the scanner's name for it) and where. Never its value."""

    kind: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.kind} in {self.path}" + (f" line {self.line}" if self.line else "")


def secrets_message(repository: str, findings: list[SecretFinding], before_asking: bool = False) -> str:
    """What the owner is told when the scan stops a change, before she is asked or before its push.
    It names each finding's kind and place (a file, a path, the title, the description, the commit
    message; a line), never its value."""
    shown = "; ".join(str(f) for f in findings[:20])
    more = f" (and {len(findings) - 20} more)" if len(findings) > 20 else ""
    when = " before anyone was asked to approve it" if before_asking else ""
    return (
        f"the secret scan stopped the push to {repository}{when}, nothing was pushed: {shown}{more}. "
        "Remove the secrets from the change (read them from the environment instead)."
    )
