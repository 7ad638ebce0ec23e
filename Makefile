# One entry point for everything: `make dev` runs the API locally, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13: prefer it (a pyenv install, then PATH), else 3.12, else python3.
# pyenv's own versions come first: its shims on PATH fail for a version that is not active.
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null) python3)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
# sam build looks for python3.13 on PATH: put the chosen interpreter's folder first.
SAM_PATH := $(dir $(shell command -v $(PYTHON) 2>/dev/null || echo $(PYTHON))):$(PATH)

.PHONY: help install dev test test-fast frontend bench load chaos events build validate deploy smoke wheel clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt packages/wacht-auth/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# wacht-auth in editable mode, so the venv always sees packages/wacht-auth/src as it is now.
	$(PY) -m pip install --quiet --no-deps --editable packages/wacht-auth
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

# `npm ci` writes this stamp: the frontend's packages, exactly as its lockfile says.
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
$(FRONTEND_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

install: $(VENV)/.installed $(SAM_VENV)/.installed $(FRONTEND_DEPS) ## create the virtualenvs and install the frontend's packages (all pinned)

dev: $(VENV)/.installed ## run the whole API on 127.0.0.1 (gateway :3000, dev IdP :3001)
	$(PY) -m local_stack

test: install ## the whole suite: unit, template, DynamoDB, end-to-end and browser tests
	cd frontend && npm run typecheck && npm test
	$(PY) -m pytest

test-fast: $(VENV)/.installed ## the suite without the end-to-end and browser tests
	$(PY) -m pytest -m "not e2e and not browser"

frontend: $(FRONTEND_DEPS) ## serve the example React app on http://localhost:5173 (with `make dev` running)
	cd frontend && npm run dev

bench: $(VENV)/.installed ## authorizer cost per invocation and cold-start import time
	$(PY) bench/bench_authorizer.py

load: $(VENV)/.installed ## bounded load run: 32 concurrent clients against a local stack it starts (loopback only)
	$(PY) -m local_stack.load

chaos: $(VENV)/.installed ## bounded chaos run: JWKS, DynamoDB, key rotation and Backend API faults under load
	$(PY) -m local_stack.chaos

events: $(VENV)/.installed ## regenerate the sample events' tokens (dev key, dev issuer)
	$(PY) scripts/make_events.py

# Any python with pip builds it: no virtualenv, nothing installed (pip fetches flit_core to build).
wheel: ## build the wacht-auth wheel into dist/ (the package other SAM apps install)
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir dist packages/wacht-auth
	@ls dist/wacht_auth-*.whl

build: $(SAM_VENV)/.installed ## sam build (python3.13, arm64, no containers)
	PATH="$(SAM_PATH)" $(SAM) build

validate: $(SAM_VENV)/.installed ## sam validate --lint
	$(SAM) validate --lint

deploy: build ## sam deploy --guided (asks for your Wacht deployment URL)
	$(SAM) deploy --guided

# TOKEN reaches the script through the environment (make exports command-line variables), so it
# is neither echoed here nor visible in the process list.
smoke: $(VENV)/.installed ## check a deployed stage: make smoke API_URL=<ApiUrl output> [TOKEN=<session token>] [ORIGIN=<AllowedOrigin>]
	$(PY) scripts/smoke.py "$(API_URL)" $(if $(ORIGIN),--origin "$(ORIGIN)")

clean: ## remove build output and virtualenvs
	rm -rf .aws-sam dist $(VENV) $(SAM_VENV) test-output frontend/node_modules frontend/dist
