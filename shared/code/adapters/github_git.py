"""GitHub's git data API: branches made, files committed and the files of a branch read.

:class:`GitHubGitData` writes one commit per change (a tree on the head's tree, a commit, a
fast-forward) and skips it when the tree is unchanged, so a repeat after a crash adds nothing.
"""

import base64
from typing import Any
from urllib.parse import quote

from shared.code.adapters.github_rest import (
    GitHubApiError,
    GitHubRest,
    array,
    checked,
    ref_sha,
    sha_of,
)
from shared.code.domain.code import CodeChange
from shared.platform.adapters.rest import text
from shared.platform.errors import NotFound, TransientError


def _tree_entries(tree: Any) -> dict[str, dict[str, str]]:
    """A tree's entries by name, each with its ``type``, ``sha`` and ``mode``."""
    return {
        text(item["path"]): {key: text(item[key]) for key in ("type", "sha", "mode")}
        for item in array(tree["tree"])
    }


def _blob_text(blob: Any) -> str:
    """A blob's content (base64, as the git data API sends it) as text."""
    return base64.b64decode(text(blob["content"])).decode("utf-8", errors="replace")


class GitHubGitData:
    """Branches, commits and trees of a repository, with the tenant's token per call, through
    ``rest`` (the adapter's one :class:`GitHubRest`)."""

    def __init__(self, rest: GitHubRest) -> None:
        self.rest = rest

    def ensure_branch(self, token: str, repo: str, branch: str, base: str) -> str:
        """The head commit of ``branch``, creating the branch at the base's head when missing."""
        head = self.rest.head(token, repo, branch)
        if head is not None:
            return head
        base_head = self.rest.existing_head(token, repo, base, "base branch")
        body = {"ref": f"refs/heads/{branch}", "sha": base_head}
        try:
            self.rest.call("POST", f"/repos/{repo}/git/refs", token, repo, ref_sha, json=body)
        except GitHubApiError as error:
            if error.status == 422 and (head := self.rest.head(token, repo, branch)) is not None:
                return head  # created meanwhile by another delivery of the same step
            raise
        return base_head

    def commit_files(self, token: str, change: CodeChange, head: str) -> str:
        """The branch head after committing ``change.files`` on top of ``head`` (unchanged if it
        already holds exactly these files)."""
        repo = change.repository
        head_tree = self.rest.head_tree(token, repo, head)
        executable = self._executables(token, repo, head_tree, [f.path for f in change.files])
        entries = [
            {
                "path": f.path,
                "mode": "100755" if f.executable or f.path in executable else "100644",
                "type": "blob",
                "content": f.content,
            }
            for f in change.files
        ]
        tree_body = {"base_tree": head_tree, "tree": entries}
        tree = self.rest.call("POST", f"/repos/{repo}/git/trees", token, repo, sha_of, json=tree_body)
        if tree == head_tree:
            return head
        commit_body = {"message": change.commit_message, "tree": tree, "parents": [head]}
        commit = self.rest.call("POST", f"/repos/{repo}/git/commits", token, repo, sha_of, json=commit_body)
        ref_path = f"/repos/{repo}/git/refs/heads/{quote(change.branch, safe='/')}"
        try:
            self.rest.call("PATCH", ref_path, token, repo, ref_sha, json={"sha": commit, "force": False})
        except GitHubApiError as error:
            if error.status == 422:  # not a fast-forward: the branch moved since we read its head
                raise TransientError(f"branch {change.branch} of {repo} moved while committing") from None
            raise
        return commit

    def _executables(self, token: str, repo: str, tree: str, paths: list[str]) -> set[str]:
        """Which of ``paths`` are executable files in ``tree``."""
        entries = self._entries(token, repo, tree, paths)
        return {path for path, entry in entries.items() if entry.get("mode") == "100755"}

    def _entries(self, token: str, repo: str, tree: str, paths: list[str]) -> dict[str, dict[str, str]]:
        """The tree entries of those of ``paths`` that exist in ``tree``: one listing per directory on
        their way (never the whole tree, which GitHub truncates for large repositories)."""
        listings: dict[str, dict[str, dict[str, str]]] = {}

        def listing(directory: str) -> dict[str, dict[str, str]]:
            """The entries of ``directory`` by name; empty when it does not exist in ``tree``."""
            if directory not in listings:
                parent, _, name = directory.rpartition("/")
                entry = listing(parent).get(name) if directory else {"type": "tree", "sha": tree}
                found: dict[str, dict[str, str]] = {}
                if entry is not None and entry["type"] == "tree":
                    path = f"/repos/{repo}/git/trees/{entry['sha']}"
                    found = self.rest.call("GET", path, token, repo, _tree_entries)
                listings[directory] = found
            return listings[directory]

        entries = {}
        for path in paths:
            directory, _, name = path.rpartition("/")
            if (entry := listing(directory).get(name)) is not None:
                entries[path] = entry
        return entries

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """Each of ``paths`` as it is now at the head of ``base`` (empty: the default branch), read as
        UTF-8 (undecodable bytes replaced); None for a path that is no file there. For the diffs an
        approval of a pull request shows: read only, nothing is written."""
        checked(repository, base or "main")
        branch = base or self.rest.default_branch(token, repository)
        head = self.rest.existing_head(token, repository, branch, "base branch")
        tree = self.rest.head_tree(token, repository, head)
        found: dict[str, str | None] = dict.fromkeys(paths)
        for path, entry in self._entries(token, repository, tree, paths).items():
            if entry["type"] == "blob":
                blob = f"/repos/{repository}/git/blobs/{entry['sha']}"
                found[path] = self.rest.call("GET", blob, token, repository, _blob_text)
        return found

    def push_files(self, token: str, change: CodeChange) -> str:
        """``change.files`` committed on its existing branch (never created here), on top of its
        head: the new head, or the head unchanged when it already holds exactly these files."""
        repo, branch = change.repository, change.branch
        checked(repo, branch)
        return self.commit_files(token, change, self.rest.existing_head(token, repo, branch))

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        """Up to ``limit`` commits from ``sha`` back along first parents: (sha, message, committer
        date as GitHub writes it), newest first."""
        checked(repository, "main")
        found: list[tuple[str, str, str]] = []
        current: str | None = sha
        while current and len(found) < limit:
            path = f"/repos/{repository}/git/commits/{current}"
            commit = self.rest.call("GET", path, token, repository, lambda c: c)
            found.append((current, text(commit["message"]), text(commit["committer"]["date"])))
            parents = commit.get("parents") or []
            current = text(parents[0]["sha"]) if parents else None
        return found

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        """The files of ``ref`` (a branch; empty: the default branch): its head commit, each file's path
        and size (``GET .../git/trees/{sha}?recursive=1``), and whether GitHub truncated the list."""
        checked(repository, ref or "main")
        branch = ref or self.rest.default_branch(token, repository)
        head = self.rest.existing_head(token, repository, branch)
        path = f"/repos/{repository}/git/trees/{self.rest.head_tree(token, repository, head)}"
        listed = self.rest.call("GET", path, token, repository, lambda t: t, params={"recursive": 1})
        files = [
            (text(item["path"]), int(item.get("size") or 0))
            for item in array(listed["tree"])
            if item.get("type") == "blob"
        ]
        return head, files, listed.get("truncated") is True

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        """Each of ``paths`` at ``ref`` (a branch or a commit; empty: the default branch) by "Get
        repository content" (``GET .../contents/{path}?ref=``), read as UTF-8 (undecodable bytes
        replaced); None for a path that is no file there. A file past 1 MB, which GitHub sends
        without its content, is read as its blob."""
        checked(repository, "main")
        found: dict[str, str | None] = {}
        for path in paths:
            url = f"/repos/{repository}/contents/{quote(path, safe='/')}"
            try:
                item = self.rest.call(
                    "GET", url, token, repository, lambda c: c, params={"ref": ref} if ref else None
                )
            except NotFound:
                found[path] = None
                continue
            if not isinstance(item, dict) or item.get("type") != "file":
                found[path] = None  # a directory (an array), a symlink or a submodule
            elif item.get("encoding") == "base64":
                found[path] = _blob_text(item)
            else:
                blob = f"/repos/{repository}/git/blobs/{text(item['sha'])}"
                found[path] = self.rest.call("GET", blob, token, repository, _blob_text)
        return found
