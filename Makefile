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

.PHONY: help install dev test test-fast frontend bench load chaos events build validate deploy smoke wheel lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

LAYER_LOCK := layers/common/requirements.lock

$(VENV)/.installed: requirements-dev.txt $(LAYER_LOCK) layers/common/requirements.txt packages/wacht-auth/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The layer's dependencies exactly as the layer ships them (hashes checked), then the tools.
	$(PY) -m pip install --quiet --no-deps --require-hashes -r $(LAYER_LOCK)
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

bench: $(VENV)/.installed $(SAM_VENV)/.installed ## authorizer cost per invocation; every function's cold start as sam build ships it (add ARGS=--check to fail on a miss)
	$(PY) bench/bench_authorizer.py $(ARGS)

load: $(VENV)/.installed ## bounded load run: 32 concurrent clients (sessions, API keys, OAuth tokens) against a local stack it starts (loopback only)
	$(PY) -m local_stack.drills.load

chaos: $(VENV)/.installed ## bounded chaos run: JWKS, DynamoDB, key rotation, Backend API and Wacht gateway faults under load
	$(PY) -m local_stack.drills.chaos

events: $(VENV)/.installed ## regenerate the sample events (dev keys and issuers; function events from the real authorizer)
	$(PY) scripts/make_events.py

# Any Python 3.12+ with pip builds it (the package requires 3.12): no virtualenv, nothing installed.
wheel: ## build the wacht-auth wheel into dist/ (the package other SAM apps install)
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir dist packages/wacht-auth
	@ls dist/wacht_auth-*.whl

build: $(SAM_VENV)/.installed ## sam build (python3.13, arm64, no containers; bytecode included)
	PATH="$(SAM_PATH)" $(SAM) build

# Regenerate the layer's lock after changing layers/common/requirements.in: every transitive
# dependency pinned with the hashes of all its files on PyPI (any platform). botocore and its own
# dependencies stay out: the Lambda runtime provides botocore matched to its boto3, and a copy in
# the layer would shadow it (aws-xray-sdk asks for botocore without pinning it).
lock: $(VENV)/.installed ## re-lock the layer's dependencies (layers/common/requirements.lock) from requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
	  --unsafe-package botocore --unsafe-package python-dateutil --unsafe-package six \
	  --output-file $(LAYER_LOCK) layers/common/requirements.in

# ---- What `sam build` runs (template.yaml: BuildMethod makefile; SAM sets ARTIFACTS_DIR) ----
# Each resource is installed, then compiled to hash-based .pyc by the runtime's Python: Lambda
# cannot write __pycache__ to /var/task or /opt, and zip timestamps cannot validate timestamp
# .pyc, so without them every cold start compiles every module. Bytecode depends on the Python
# minor version only, never on the CPU: the same recipe serves arm64 and x86_64.
ROOT := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
LAMBDA_PYTHON ?= python3.13
# The architecture of the functions (template.yaml's Globals); LAMBDA_ARCH=x86_64 overrides it.
LAMBDA_ARCH ?= $(or $(shell sed -n 's/^    Architectures: *\[ *\([a-z0-9_]*\) *\].*/\1/p' $(ROOT)template.yaml | head -n 1),arm64)
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): wheels for it or any older glibc
# (pip does not widen an explicit --platform by itself).
LAMBDA_WHEEL_ARCH = $(if $(filter x86_64,$(LAMBDA_ARCH)),x86_64,aarch64)
LAMBDA_PLATFORMS = $(foreach tag,manylinux_2_34 manylinux_2_28 manylinux2014,--platform $(tag)_$(LAMBDA_WHEEL_ARCH))
# PYTHONHASHSEED fixed and paths rewritten to where Lambda mounts them: two builds, same bytes.
COMPILE = PYTHONHASHSEED=0 $(LAMBDA_PYTHON) -m compileall -q -f -j 0 --invalidation-mode unchecked-hash
LAMBDA_FUNCTIONS := AuthorizerFunction HealthFunction HelloFunction MeFunction DocumentsFunction MembersFunction

.PHONY: lambda-arch build-CommonLayer $(addprefix build-,$(LAMBDA_FUNCTIONS))
lambda-arch:
	@echo $(LAMBDA_ARCH)

build-CommonLayer:
	$(LAMBDA_PYTHON) -m pip install --quiet --no-compile --no-deps --require-hashes --only-binary=:all: \
	  $(LAMBDA_PLATFORMS) --implementation cp --python-version 3.13 \
	  --target "$(ARTIFACTS_DIR)/python" -r $(ROOT)$(LAYER_LOCK)
	cd $(ROOT) && $(LAMBDA_PYTHON) -m pip install --quiet --no-compile --no-deps \
	  --target "$(ARTIFACTS_DIR)/python" -r layers/common/requirements.txt
	cp -R $(ROOT)layers/common/api_support $(ROOT)layers/common/api_routes.py "$(ARTIFACTS_DIR)/python/"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -prune -exec rm -rf {} +
	$(COMPILE) -s "$(ARTIFACTS_DIR)" -p /opt "$(ARTIFACTS_DIR)"

# SAM runs these in a copy of the function's CodeUri folder.
$(addprefix build-,$(LAMBDA_FUNCTIONS)):
	cp -R . "$(ARTIFACTS_DIR)"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -prune -exec rm -rf {} +
	$(COMPILE) -s "$(ARTIFACTS_DIR)" -p /var/task "$(ARTIFACTS_DIR)"

validate: $(SAM_VENV)/.installed ## sam validate --lint
	$(SAM) validate --lint

deploy: build ## sam deploy --guided (asks for your Wacht deployment URL)
	$(SAM) deploy --guided

# TOKEN and API_KEY reach the script through the environment (make exports command-line variables),
# so they are neither echoed here nor visible in the process list.
smoke: $(VENV)/.installed ## check a deployed stage: make smoke API_URL=<ApiUrl output> [TOKEN=<session token>] [API_KEY=<key> [API_KEY_PREFIX=<prefix>]] [ORIGIN=<AllowedOrigin>]
	$(PY) scripts/smoke.py "$(API_URL)" $(if $(ORIGIN),--origin "$(ORIGIN)") $(if $(API_KEY_PREFIX),--api-key-prefix "$(API_KEY_PREFIX)")

clean: ## remove build output and virtualenvs
	rm -rf .aws-sam dist $(VENV) $(SAM_VENV) test-output frontend/node_modules frontend/dist
