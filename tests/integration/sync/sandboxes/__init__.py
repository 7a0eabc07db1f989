"""The trackers' sandboxes (Linear, GitLab, Motion, GitLab's code host) against their docs, by hand and over HTTP."""
