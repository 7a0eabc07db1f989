"""Motion sandbox: a local stand-in for the part of Motion's REST API (v1) the sync uses, from its documented
endpoints and limits (the key in ``X-API-Key``; users, workspaces, statuses, tasks; cursor pages; 429 past
12 requests a minute for an individual account, 120 for a team's). See :mod:`local.motion_sandbox.app`."""

from local.motion_sandbox.app import MotionSandbox, MotionServer

__all__ = ["MotionSandbox", "MotionServer"]
