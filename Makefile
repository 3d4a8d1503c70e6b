# Arena: `make run` sets everything up and serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app arena
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres bench bench-tools bench-lighthouse setup browser calendar-consumers static translations messages lint format clean

run: setup
	$(FLASK) db upgrade
	$(FLASK) load-vocabulary
	$(FLASK) seed-demo --if-empty
	@echo "The worker writes emails to this log (no MAIL_SERVER); sign-in throttling counts in this one process (memory://)."
	@# The web server with the worker beside it (and, with SSO_DEMO=1, a demo OpenID provider).
	scripts/run.sh

setup: $(STAMP) static translations

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Designsystemet from npm, served from static/vendor (not committed): its base and the components
# the templates use (scripts/designsystemet_css.py), and the Digdir theme.
static: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json scripts/designsystemet_css.py
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	python3 scripts/designsystemet_css.py
	cp node_modules/@digdir/designsystemet-theme/brand/digdir.css static/vendor/theme.css
	touch $@

translations: $(STAMP)
	$(VENV)/bin/pybabel --quiet compile -d arena/translations

# Re-extract the bokmål source strings into the catalogues after changing texts.
messages: $(STAMP)
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg -k _l -o arena/translations/messages.pot .
	$(VENV)/bin/pybabel --quiet update -i arena/translations/messages.pot -d arena/translations

# Browser tests drive Debian's Chromium and check markup with the Nu HTML checker (Java); install
# them when missing (never a downloaded browser). Redis: the shared store of rate limits, as in
# production (tests start their own server).
browser:
	@test -x /usr/bin/chromium || scripts/install-debian-package.sh chromium
	@command -v java >/dev/null || scripts/install-debian-package.sh default-jre-headless
	@command -v redis-server >/dev/null || scripts/install-debian-package.sh redis-server

# The seven calendar consumers of ../shared/tools/ical-check (calcurse, khal, libical, ical.js, ...).
ICAL_CHECK := ../shared/tools/ical-check
calendar-consumers:
	@command -v calcurse >/dev/null && command -v khal >/dev/null \
	  && test -d $${ICAL_CHECK_HOME:-$$HOME/.cache/ical-check}/node_modules/ical.js \
	  || bash $(ICAL_CHECK)/install.sh

# Both databases at once, a pass a core. Every database-bound test runs in both passes; the
# browser tests run once, shared out between the passes (tests/conftest.py, --browser-share).
test: setup browser calendar-consumers bench-tools
	$(MAKE) --jobs=2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	$(VENV)/bin/pytest -q --durations=25 --browser-share=sqlite

test-postgres:
	scripts/with-postgres.sh $(VENV)/bin/pytest -q --durations=25 --browser-share=postgresql

# wrk drives the load benchmark; make test runs it at a tiny scale so it cannot break unnoticed.
bench-tools:
	@command -v wrk >/dev/null || scripts/install-debian-package.sh wrk

# Load benchmarks with wrk at region and nordic scale, SQLite and PostgreSQL -> bench/results.md.
bench: setup bench-tools
	PG_DURABLE=1 scripts/with-postgres.sh sh -c '$(PY) bench/run.py --postgres-url "$$TEST_DATABASE_URL"'

# Lighthouse (mobile) on the front page, the initiative list and an arena page -> bench/lighthouse.md.
bench-lighthouse: setup
	@test -x bench/.lighthouse/node_modules/.bin/lighthouse || npm install --silent --no-audit --no-fund --prefix bench/.lighthouse lighthouse@13.5.0
	$(PY) bench/lighthouse.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor instance/*.sqlite3*
