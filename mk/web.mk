# The owner's console (web/): Preact, built by esbuild into web/dist, its API types generated from
# docs/api/openapi.json (docs/decisions/0033-the-console-preact-esbuild-typed-from-the-contract.md).
#   make web            npm ci (once per lock file), type-check, build web/dist
#   make web WEB_PREBUILT=1   only check that web/dist and axe-core are there (CI built them before)
NPM ?= npm
WEB_STAMP := web/node_modules/.installed
# The console is built and type-checked on the Node.js LTS pinned in web/package.json (the "node"
# package of the npm registry, docs/decisions/0052-the-console-builds-on-a-pinned-node-lts.md):
# npm ci installs it into web/node_modules/.bin, which every command below puts first on PATH. The
# system's node only runs npm. NODE_LTS: the release lines still supported (Node 20's ended April 2026).
NODE_LTS := 22 24
WEB_RUN := cd web && PATH="$(CURDIR)/web/node_modules/.bin:$$PATH"
WEB_NODE_CHECK := $(WEB_RUN) node -e 'const v = process.versions.node; \
  console.log(process.execPath + " " + v); \
  process.exit(process.argv[1].split(" ").includes(v.split(".")[0]) ? 0 : 1)' "$(NODE_LTS)" || { \
  echo "the console must build on a supported Node.js LTS ($(NODE_LTS)): pin one in web/package.json" >&2; exit 1; }

.PHONY: web check-node web-node

check-node:
	@command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "npm (and a node to run it) is needed to install the console's tools (web/): install it (e.g." >&2; \
	  echo "Debian's npm) and re-run; the build itself runs on the Node.js LTS npm ci installs." >&2; exit 1; }

$(WEB_STAMP): web/package.json web/package-lock.json | check-node
	cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	@($(WEB_NODE_CHECK)) >/dev/null
	@touch $@

ifeq ($(WEB_PREBUILT),1)
web:
	@test -s web/dist/index.html && test -s web/node_modules/axe-core/axe.min.js || { \
	  echo "WEB_PREBUILT=1 but web/dist or web/node_modules/axe-core is missing: run make web" >&2; exit 1; }

# The node the console's build runs on: its path and version (tests/web/bundle/test_node_lts.py).
web-node:
	@$(WEB_NODE_CHECK)
else
web: $(WEB_STAMP)
	$(WEB_RUN) $(NPM) run --silent build

web-node: $(WEB_STAMP)
	@$(WEB_NODE_CHECK)
endif

# What following a run costs: Firestore reads per watching browser per minute, with and without the
# ETag (tests/perf/engine/bench_watch.py). RESULT line last; exits 1 when the goal is missed.
.PHONY: bench-watch
bench-watch: $(VENV)/.synced check-java
	$(PY) -m tests.perf.engine.bench_watch
