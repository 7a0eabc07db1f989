# The owner's console (web/): Preact, built by esbuild into web/dist, its API types generated from
# docs/api/openapi.json (docs/decisions/0033-the-console-preact-esbuild-typed-from-the-contract.md).
#   make web            npm ci (once per lock file), type-check, build web/dist
#   make web WEB_PREBUILT=1   only check that web/dist and axe-core are there (CI built them before)
NPM ?= npm
WEB_STAMP := web/node_modules/.installed

.PHONY: web check-node

check-node:
	@command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { \
	  echo "Node.js 20 or later is needed to build the console (web/): install it (e.g. Debian's nodejs" >&2; \
	  echo "or nodesource's node 20) and re-run." >&2; exit 1; }

$(WEB_STAMP): web/package.json web/package-lock.json | check-node
	cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

ifeq ($(WEB_PREBUILT),1)
web:
	@test -s web/dist/index.html && test -s web/node_modules/axe-core/axe.min.js || { \
	  echo "WEB_PREBUILT=1 but web/dist or web/node_modules/axe-core is missing: run make web" >&2; exit 1; }
else
web: $(WEB_STAMP)
	cd web && $(NPM) run --silent build
endif

# What following a run costs: Firestore reads per watching browser per minute, with and without the
# ETag (tests/perf/bench_watch.py). RESULT line last; exits 1 when the goal is missed.
.PHONY: bench-watch
bench-watch: $(VENV)/.synced check-java
	$(PY) -m tests.perf.bench_watch
