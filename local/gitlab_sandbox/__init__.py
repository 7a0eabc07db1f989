"""GitLab sandbox: a local stand-in for the part of GitLab's REST API (v4) the sync uses, from GitLab's
documentation (the issues, members, users and project webhooks APIs; offset pagination; 429 with
Retry-After; Issue Hook deliveries with the secret token), and the code pipeline's repository, merge
requests and pipelines (:mod:`local.gitlab_sandbox.code`). See :mod:`local.gitlab_sandbox.app`."""

from local.gitlab_sandbox.app import GitLabSandbox, GitLabServer
from local.gitlab_sandbox.code import GitLabCode

GitLabSandbox.code_factory = GitLabCode

__all__ = ["GitLabSandbox", "GitLabServer"]
