"""GitLab's Pipeline Hook deliveries (decision 0126): a pipeline of the connected project that ended,
which wakes the code run waiting on that branch's checks. Pure: the body is untrusted; only its
project id, branch (``ref``), sha and status are read, and the woken step reads the jobs itself."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from shared.sync.domain.linear_events import json_object

# A pipeline's statuses once it will not change by itself (GitLab's Pipelines API).
ENDED = frozenset({"success", "failed", "canceled", "skipped", "manual"})
_SHA = re.compile(r"[0-9a-f]{40}")


class PipelineEnded(NamedTuple):
    project_id: int
    ref: str
    sha: str
    status: str


def pipeline_ended(body: bytes) -> PipelineEnded | str | None:
    """What a ``pipeline`` delivery says when its pipeline ended; None while it runs; a sentence
    saying what is malformed otherwise."""
    data = json_object(body)
    attributes: Any = (data or {}).get("object_attributes")
    project: Any = (data or {}).get("project")
    if not isinstance(attributes, dict) or not isinstance(project, dict):
        return "object_attributes and project: a Pipeline Hook's body"
    status, ref, sha = (attributes.get(k) for k in ("status", "ref", "sha"))
    project_id = project.get("id")
    if not isinstance(project_id, int) or isinstance(project_id, bool) or project_id <= 0:
        return "project.id: the project's id"
    if not isinstance(ref, str) or not 0 < len(ref) <= 255 or not _SHA.fullmatch(str(sha)):
        return "object_attributes.ref and sha: the pipeline's branch and commit"
    if not isinstance(status, str) or status not in ENDED:
        return None
    return PipelineEnded(project_id, ref, str(sha), status)
