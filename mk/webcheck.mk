# The console in a real browser (tests/web): `make web-check` builds web/dist, starts the local stack,
# runs the browser flows (Debian's headless Chromium driven by Playwright), axe-core on every screen and
# schemathesis against the live api, and ends with its RESULT line (flows, axe, schemathesis, bundle,
# person flows: at least 4 whole flagship flows, none failed).
# Screenshots of each screen go to build/screenshots/. Part of `make test`.
CHROMIUM ?= /usr/bin/chromium
HEADLESS_CHROMIUM ?= /usr/bin/chromium-headless-shell
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: chromium headless-chromium web-check

# Debian's chromium package, the browser a person tries `make stack`'s screens in: Playwright's own
# browser download cannot work here.
chromium:
	@test -x "$(CHROMIUM)" || { echo "installing Debian's chromium (for the console's screens)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	  --no-install-recommends chromium >/dev/null; }
	@test -x "$(CHROMIUM)" || { echo "no Chromium at $(CHROMIUM) after installing Debian's chromium" >&2; exit 1; }

# Debian's chromium-headless-shell, the browser the web suite drives: the same Chromium built headless
# only, without the full browser's UI, about half its CPU in the suite (decision 0232).
headless-chromium:
	@test -x "$(HEADLESS_CHROMIUM)" || { echo "installing Debian's chromium-headless-shell (for the console's browser tests)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	  --no-install-recommends chromium-headless-shell >/dev/null; }
	@test -x "$(HEADLESS_CHROMIUM)" || { echo "no Chromium at $(HEADLESS_CHROMIUM) after installing Debian's chromium-headless-shell" >&2; exit 1; }

# Two pytest-xdist workers (WEB_WORKERS=0: one process), each module on one worker (--dist loadfile: its
# flows share its workspace) in the order tests/web/conftest.py sets (schemathesis' two modules, the
# longest, first: one on each worker); the controller sums the workers' figures into the one RESULT
# line and checks that every flow and both schemathesis parts reported (decision 0136).
WEB_WORKERS ?= 2
web-check: $(VENV)/.synced check-java headless-chromium web
	NA_WEB_CHECK=1 NA_CHROMIUM="$(HEADLESS_CHROMIUM)" $(PY) -m pytest -q -p no:cacheprovider -n $(WEB_WORKERS) \
	  --dist loadfile --no-loadscope-reorder tests/web
