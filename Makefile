# Two entry points, as the README says: `make run` (demo) and `make test` (every test).
HTMX_VERSION := 2.0.8
# axe-core checks every page for WCAG 2.2 A/AA in the browser tests; never served to users.
AXE_VERSION := 4.10.3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup

run: setup
	INYETT_INSTALLATION=$${INYETT_INSTALLATION:-test} $(BIN)/flask --app app demo

# The whole suite runs twice: on SQLite (the default) and on a PostgreSQL server on loopback.
test: setup tests/browser/vendor/axe.min.js /usr/bin/chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	url=$$(bash tests/postgresql-server.sh) && INYETT_DATABASE_URL=$$url $(BIN)/pytest

setup: $(VENV)/installed static/vendor/htmx.min.js

$(VENV)/installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# htmx comes from the npm registry at a pinned version; npm checks the package's integrity.
static/vendor/htmx.min.js: Makefile
	mkdir -p static/vendor
	cd static/vendor && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null \
		&& tar -xzf htmx.org-$(HTMX_VERSION).tgz --strip-components=2 package/dist/htmx.min.js \
		&& rm htmx.org-$(HTMX_VERSION).tgz
	touch $@

# The accessibility checker, like htmx from the npm registry at a pinned version, in a git-ignored
# folder of the tests (static/ would serve it).
tests/browser/vendor/axe.min.js: Makefile
	mkdir -p tests/browser/vendor
	cd tests/browser/vendor && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
		&& tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js \
		&& rm axe-core-$(AXE_VERSION).tgz
	touch $@

/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
