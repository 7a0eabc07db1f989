# The console in a real browser (tests/web): `make web-check` builds web/dist, starts the local stack,
# runs the browser flows (Debian's Chromium driven by Playwright), axe-core on every screen and
# schemathesis against the live api, and ends with its RESULT line (flows, axe, schemathesis, bundle,
# person flows: at least 4 whole flagship flows, none failed).
# Screenshots of each screen go to build/screenshots/. Part of `make test`.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: chromium web-check

# Debian's chromium package: Playwright's own browser download cannot work here.
chromium:
	@test -x "$(CHROMIUM)" || { echo "installing Debian's chromium (for the console's browser tests)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	  --no-install-recommends chromium >/dev/null; }
	@test -x "$(CHROMIUM)" || { echo "no Chromium at $(CHROMIUM) after installing Debian's chromium" >&2; exit 1; }

# Two pytest-xdist workers (WEB_WORKERS=0: one process), each module on one worker (--dist loadfile: its
# flows share its workspace) in the order tests/web/conftest.py sets (schemathesis' two modules, the
# longest, first: one on each worker); the controller sums the workers' figures into the one RESULT
# line and checks that every flow and both schemathesis parts reported (decision 0136).
WEB_WORKERS ?= 2
web-check: $(VENV)/.synced check-java chromium web
	NA_WEB_CHECK=1 NA_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest -q -p no:cacheprovider -n $(WEB_WORKERS) \
	  --dist loadfile --no-loadscope-reorder tests/web
