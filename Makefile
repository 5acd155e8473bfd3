# The assistant's commands. `make` alone lists them. CI runs `make test` (see .ci/run).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.10
# A pyenv shim may exist without the version selected, so try each candidate for real.
PYTHON ?= $(shell for p in $$HOME/.pyenv/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) $$(command -v python$(PYTHON_VERSION)); do "$$p" -c '' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# Every rasa command goes through bot.rasa_offline: see docs/decisions/0006-rasa-never-phones-home.md
RASA := $(BIN)/python -m bot.rasa_offline
RASA_DATA := nlu_data stories

# Local defaults; override in the environment (see .env.example).
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/consult.db
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Nothing may phone home: no telemetry or error reports leave the machine.
export RASA_TELEMETRY_ENABLED := false
export SENTRY_DSN :=

# The website chat widget: JavaScript in web/, bundled by esbuild into bot/web/static/.
WIDGET := bot/web/static/widget.js
WIDGET_SOURCES := $(wildcard web/src/*) web/package.json web/package-lock.json

.PHONY: help install run run-cluster shell train validate lint test test-unit test-e2e nlu-report clean widget test-widget screenshot bench readability safeguarding-report answers-report safeguarding-thresholds audit

help: ## List the commands
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml requirements/constraints.txt
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed (Rasa 3.6 does not run on newer Pythons)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $@

install: $(BIN)/.installed ## Create .venv and install the pinned dependencies

# npm ci (exactly the versions in package-lock.json) only when the lock file changes. The
# stamp lives in node_modules, so deleting node_modules installs again.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The bundle is its own stamp: rebuilt only when a source or the lock file changed.
$(WIDGET): web/node_modules/.installed $(WIDGET_SOURCES)
	cd web && npm run --silent build

widget: $(WIDGET) ## Build the website chat widget, only if web/ changed

train: install ## Train the model, only if its training data or config changed
	$(BIN)/python -m bot.training

run: install widget ## Start the assistant on localhost (action server, Rasa, website; SQLite by default)
	$(BIN)/python -m bot.serve

run-cluster: install ## Start 2 Rasa and 2 action servers behind nginx, on PostgreSQL and Redis (deploy/)
	$(BIN)/python -m bot.cluster

shell: install ## Chat with the running assistant in this terminal (start `make run` first)
	$(BIN)/python -m bot.terminal_chat --url http://127.0.0.1:$(RASA_PORT)

validate: install ## Check the domain, NLU data and rules (warnings count as failures)
	$(RASA) data validate --fail-on-warnings --domain domain.yml --config config.yml --data $(RASA_DATA)

lint: install ## Lint and format check (ruff) and type check (mypy)
	$(BIN)/ruff check bot actions tests bench
	$(BIN)/ruff format --check bot actions tests bench
	$(BIN)/mypy bot actions bench

test-unit: install ## Unit tests: answers, actions, NLU component, database, CLI
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

test-widget: widget ## The widget's JavaScript unit tests (node --test)
	cd web && npm test --silent

test-e2e: install train widget ## Conversation tests and end-to-end tests against the real servers (and a browser)
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

test: validate lint test-unit test-widget test-e2e ## Run every check

screenshot: install train widget ## Save the README's screenshots (docs/*.png) from the browser tests
	SAVE_WIDGET_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/e2e/test_widget.py -k reloads
	SAVE_STAFF_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e/test_staff_console.py -k reviewer

# BENCH_ARGS="--help" lists the options, e.g. BENCH_ARGS="--saturation --skip-training-time".
bench: install train ## Measure speed under load against Rasa's stock assistant (docs/performance.md)
	$(BIN)/python -m bench $(BENCH_ARGS)

readability: install ## Readability of every message (median and worst, standard and Easy Read)
	$(BIN)/python -m bot.readability

# The running assistant (`make run`) must be up: every message is typed as a comment mid-form.
safeguarding-report: install ## Safeguarding recall and false positives, in-sample and blind
	$(BIN)/python -m bot.safeguarding_report --url http://127.0.0.1:$(RASA_PORT) --database-url $(DATABASE_URL) $(REPORT_ARGS)

answers-report: install ## How typed answers are stored (blind sets), over the running assistant
	$(BIN)/python -m bot.answers_report --url http://127.0.0.1:$(RASA_PORT) --database-url $(DATABASE_URL) $(REPORT_ARGS)

safeguarding-thresholds: install ## Cross-validate the safeguarding classifier's thresholds on its training corpus
	$(BIN)/python -m bot.safeguarding.thresholds

nlu-report: install train ## Measure intent and entity F1 on the held-out set in tests/nlu/
	$(BIN)/python -m bot.nlu_report

# pip-audit is not a project dependency: PIP_AUDIT=path/to/pip-audit points at one (bot/audit.py).
audit: install ## Check dependencies against published advisories (docs/dependencies.md)
	$(BIN)/python -m bot.audit

clean: ## Remove the virtual environment, models, local database and built widget
	rm -rf $(VENV) models results var web/node_modules $(WIDGET) $(WIDGET).map
