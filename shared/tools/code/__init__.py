"""The code pipeline's tools: the pull request and its checks (``code``), the files a change
writes (``files``), reading the repository, requirements on an idea page, revisions, and the release."""
