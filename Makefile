# Leads Dashboard: `make run` to start the app, `make test` to run the tests. See README.md and docs/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Production-like values for `make check-deploy` (the same ones docs/operations.md documents).
DEPLOY_ENV := DEBUG=false HTTPS=true ALLOWED_HOSTS=leads.example.com \
	SECRET_KEY=check-deploy-$$(date +%s)-k3y-that-is-long-enough-and-random-enough-xx

.PHONY: db run demo serve test test-fast test-postgres test-scaleout check-deploy bench bench-million format clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/installed-dev: $(VENV)/installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The processes of a Procfile (web, worker), with the virtualenv's commands first on the PATH.
# settings.py reads .env itself: honcho must not let it override the variables given to make.
PROCESSES = HOST=$(HOST) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -e /dev/null -p $(PORT) -f

db: $(VENV)/installed
	$(BIN)/python manage.py migrate --noinput

## run: install, migrate and start the app on SQLite: the development server and the worker
# (DEBUG on for the migration too: with DEBUG off the settings require a SECRET_KEY)
run: export DEBUG = true
run: db
	@echo
	@echo "Leads Dashboard: http://$(HOST):$(PORT)/ (intake form), http://$(HOST):$(PORT)/leads/ (attorneys)"
	@echo "Create the first attorney account with:"
	@echo "    $(BIN)/python manage.py create_attorney you@yourfirm.example"
	@echo "Another port: make run PORT=8001. Sample leads to look at: make demo (development only)."
	@echo
	$(PROCESSES) Procfile.dev

## demo: 300 made-up leads in the development database (SQLite, DEBUG on), to look around the
## pages on a first run; never on a firm's real database
demo: export DEBUG = true
demo: $(VENV)/installed
	@$(BIN)/python manage.py shell --verbosity 0 -c "import sys; from django.db import connection; sys.exit(connection.vendor != 'sqlite')" \
		|| { echo "make demo seeds the development SQLite database only (DATABASE_URL is set here)"; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_leads 300
	@echo "300 sample leads added: http://$(HOST):$(PORT)/leads/ (after make run)"

## serve: production mode (DEBUG off): gunicorn and the worker, from the Procfile
serve: $(VENV)/installed
	@if [ -z "$$SECRET_KEY" ] && ! grep -qs '^SECRET_KEY=' .env; then \
		echo "make serve runs with DEBUG off: set SECRET_KEY (environment or .env), see docs/configuration.md"; exit 1; fi
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PROCESSES) Procfile

## test: install the dev requirements, lint (ruff, and import-linter: imports run one way), run
## the whole suite on SQLite (beside a throwaway Redis server for the tests of the Redis task
## queue, and a throwaway S3 endpoint for those of CVs in object storage)
test: $(VENV)/installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	scripts/with-redis scripts/with-s3 $(BIN)/pytest

## test-fast: the quick loop while working: lint and every test but the browser and fuzz ones
## (pytest markers `browser` and `fuzz`), on SQLite, in two processes (pytest-xdist; each has its
## own database file and Redis database); `make test` stays the whole suite
test-fast: $(VENV)/installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	scripts/with-redis scripts/with-s3 $(BIN)/pytest -n 2 -m "not scaleout and not browser and not fuzz"

## test-postgres: the same suite against a throwaway PostgreSQL server
test-postgres: $(VENV)/installed-dev
	scripts/with-postgres scripts/with-redis scripts/with-s3 $(BIN)/pytest

## test-scaleout: two app hosts (gunicorn, each with its own folders) sharing a throwaway
## PostgreSQL, Redis and S3 endpoint, with one worker (leads_dashboard/tests/test_scaleout.py)
test-scaleout: $(VENV)/installed-dev
	scripts/with-postgres scripts/with-redis scripts/with-s3 $(BIN)/pytest -m scaleout

## check-deploy: Django's deployment checklist with production-like settings
check-deploy: $(VENV)/installed
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

## bench: the load benchmark of bench/README.md (needs Debian's wrk)
bench: $(VENV)/installed-dev
	$(BIN)/python bench/run.py

## bench-million: server time of each attorney page and API read at 1,000,000 leads
## (bench/million.py; seeds /tmp/leads-million once, 3 to 6 minutes)
bench-million: $(VENV)/installed-dev
	$(BIN)/python bench/million.py

format: $(VENV)/installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
