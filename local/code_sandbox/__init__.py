"""Code sandbox: a stateful local stand-in for the parts of GitHub's and Vercel's REST APIs that the
deploy function uses (git data and pull requests; git deployments), for the part of Slack's Web API
that notifications use (auth.test, chat.postMessage, conversations.history), and for the SMTP relay
email notifications go through (aiosmtpd, beside the HTTP server).

Entry points: `python -m local.code_sandbox --port P --smtp-port S`, `make_app(sandbox)`,
`CodeSandboxServer` (with its `SmtpRelay`) and,
for tests, `local.code_sandbox.testing.running_code_sandbox()`. See README.md beside this file.
"""

from local.code_sandbox.app import CodeSandboxServer, make_app
from local.code_sandbox.sandbox import SEED, CodeSandbox

__all__ = ["SEED", "CodeSandbox", "CodeSandboxServer", "make_app"]
