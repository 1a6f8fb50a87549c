# Koers. `make run` serves the demo; `make test` runs the whole suite on real PostgreSQL and Redis.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PO_FILES := $(wildcard saas/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install install-test system-test-deps translations update-translations bench clean vendor-css

# PORT goes to the app too: without BASE_URL, development derives the links in mails from it.
run: install
	$(VENV)/bin/koers db upgrade
	PORT=$(PORT) $(VENV)/bin/koers seed-demo --if-empty
	@echo "Koers serves http://127.0.0.1:$(PORT)  (stop with Ctrl-C)"
	PORT=$(PORT) $(VENV)/bin/koers run --host 127.0.0.1 --port $(PORT) --no-reload --no-debugger

# The suite waits on browsers, subprocesses and timeouts more than it computes, so it runs in three
# processes (pytest-xdist; each with its own PostgreSQL, Redis and worker; a process that runs out of
# tests takes some of another's, so the long browser crawls do not leave one process running alone),
# with the SQLite smoke run beside it; its output follows. Fails when either fails or runs nothing.
# The slowest tests and files of each run are kept in test-artifacts/slowest.txt (slowest-sqlite.txt).
TEST_PROCESSES ?= 3
test: system-test-deps install-test
	@mkdir -p test-artifacts; \
	KOERS_TEST_DB=sqlite $(PY) -m pytest -m smoke --record-slowest=test-artifacts/slowest-sqlite.txt \
	  > test-artifacts/sqlite-smoke.log 2>&1 & smoke=$$!; \
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist worksteal --durations=15 --record-slowest=test-artifacts/slowest.txt; \
	postgres=$$?; \
	wait $$smoke; sqlite=$$?; \
	echo "---- the smoke subset on SQLite, the embedded default ----"; cat test-artifacts/sqlite-smoke.log; \
	[ $$postgres -eq 0 ] && [ $$sqlite -eq 0 ]

# Exact versions come from requirements.lock (a constraints file); the stamp skips pip next time.
install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations tests/oidc_provider/node_modules/.package-lock.json

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml requirements.lock
	$(PY) -m pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml requirements.lock
	$(PY) -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

# The real OpenID provider the sign-in tests start (npm's oidc-provider, exact versions from its lock file;
# Node 20 and npm from Debian). Once installed, the tests need no network.
tests/oidc_provider/node_modules/.package-lock.json: tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	cd tests/oidc_provider && npm ci --no-audit --no-fund --loglevel=error

translations: $(MO_FILES)

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

update-translations: $(VENV)/.installed
	$(PY) -m saas.translations.update

# PostgreSQL server binaries, Redis, Chromium, pdftotext, Node.js (the test OpenID provider) and xmlsec1 (SAML
# signatures, also needed in production) come from Debian's packages (see README); first, so that install-test
# finds npm.
system-test-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

bench: system-test-deps install-test
	@shopt -s nullglob; benches=(bench/*.py); [ $${#benches[@]} -gt 0 ] || echo "no benchmarks yet (see bench/README.md)"; \
	for b in "$${benches[@]}"; do echo "== $$b"; $(PY) $$b || exit 1; done

# The NL Design System's CSS components (EUPL-1.2), vendored so that neither `make install` nor CI needs npm:
# `make vendor-css` fetches the pinned version from npm (npm checks the package's integrity) and copies
# its built stylesheet and licence to saas/static/vendor/utrecht/ (commit the result; README "Libraries and why").
NLDS_CSS_VERSION := 9.0.4
NLDS_CSS_DIR := saas/static/vendor/utrecht
vendor-css:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent @utrecht/component-library-css@$(NLDS_CSS_VERSION) >/dev/null && tar xzf *.tgz) && \
	mkdir -p $(NLDS_CSS_DIR) && \
	cp "$$tmp/package/dist/index.css" $(NLDS_CSS_DIR)/component-library.css && \
	cp "$$tmp/package/LICENSE.md" $(NLDS_CSS_DIR)/LICENSE.md && \
	echo "@utrecht/component-library-css $(NLDS_CSS_VERSION) (npm, EUPL-1.2): dist/index.css" > $(NLDS_CSS_DIR)/VERSION && \
	echo "vendored @utrecht/component-library-css $(NLDS_CSS_VERSION) into $(NLDS_CSS_DIR)"

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
