# MedProcure: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
AWS_PORT ?= 5001
TICK ?= 30
PORTAL_PORT ?= 5173
# The portal's Node packages, installed with `npm ci` whenever package-lock.json changes.
PORTAL_STAMP := portal/node_modules/.installed

.PHONY: audit fuzz load run run-deps test test-deps test-fast bench-portal portal-build portal-types browser-deps bench bench-cold-start bench-warm bench-import bench-project-catalog bench-local-store bench-allocation bench-local-province bench-tests venv clean policy check-consistency

# Recreate the environment when it is missing or the requirements changed: uv (requirements-bootstrap.txt)
# installs requirements-dev.txt in ~4 s, where pip took ~35 s. Byte-compiled up front on every core (~8 s),
# not on first import: the suite's processes would each compile the same modules at once. Left out of it,
# 70 % of the source: what one process alone imports (the CDK in the synth, cfn-lint's sympy, networkx
# and mpmath) or none of the suite's (locust and gevent: make load); that process compiles what it imports.
UV := $(VENV)/bin/uv
NOT_COMPILED := /site-packages/(aws_cdk|sympy|networkx|mpmath|gevent|locust|zmq)/
$(STAMP): requirements.txt requirements-dev.txt requirements-bootstrap.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bootstrap.txt
	$(UV) pip install --quiet --python $(PY) -r requirements-dev.txt
	$(PY) -m compileall -q -j 0 -x '$(NOT_COMPILED)' $(VENV)/lib > /dev/null
	touch $(STAMP)

venv: $(STAMP)

# The environment, the portal's Node packages and build and (for the tests) the browser share nothing:
# installed side by side on a fresh clone (npm ci's ~14 s, vite build's 4 s and apt's download overlap the
# venv's). Then the project's own modules are byte-compiled once (0.5 s of CPU), not by each of the
# suite's ten processes at its first import.
OWN_MODULES := app.py chalicelib ops infra
run-deps:
	@$(MAKE) --no-print-directory -j2 $(STAMP) portal-build
	@$(PY) -m compileall -q -j 0 $(OWN_MODULES) > /dev/null

test-deps:
	@$(MAKE) --no-print-directory -j3 $(STAMP) portal-build browser-deps
	@$(PY) -m compileall -q -j 0 $(OWN_MODULES) > /dev/null

STORE ?= patched
DATA ?= demo

run: run-deps
	$(PY) -m ops.local --port $(PORT) --aws-port $(AWS_PORT) --portal-port $(PORTAL_PORT) --tick $(TICK) --store $(STORE) --data $(DATA)

# The whole suite on every core (docs/operations.md "The test suite"); pytest
# exits 5 when it collects no test: that is not a failure.
# `make test PYTEST_ARGS=tests/api/test_projects.py` runs one part; TEST_WORKERS=0 runs in one process.
# Three workers on two cores: the browser journeys and the e2e tests spend much of their time waiting on
# their stacks, Chromium and the stacks' schedules; a third worker runs API tests meanwhile (docs/operations.md).
TEST_WORKERS ?= 3
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)
# STORE=stock runs the suite on stock moto's DynamoDB instead of the local store's (tests/support.moto_store).
# The dependency audit and bandit (ops/audit.py, a few seconds) run first; their failure fails the run
# after the tests have run.
test: test-deps
	$(PY) -m ops.audit; audit=$$?; \
	MP_TEST_STORE=$(STORE) $(PY) -m pytest $(XDIST) $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; \
	if [ $$rc -eq 0 ] && [ $$audit -ne 0 ]; then echo "make test: the audit failed (see [audit] above)"; exit $$audit; fi; exit $$rc

# The inner loop: everything but the local stack, the synth and the browser.
test-fast: $(STAMP)
	MP_TEST_STORE=$(STORE) $(PY) -m pytest $(XDIST) -m "not e2e and not infra and not portal and not browser" $(PYTEST_ARGS)

# Every bench/ script with short settings; writes the generated report in docs/benchmarks.md (bench/report.py).
# BENCH_ONLY=cold_start,allocation runs a subset.
BENCH_ONLY ?=
bench: $(STAMP)
	$(PY) bench/report.py $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

bench-cold-start: $(STAMP)
	$(PY) bench/cold_start.py

# A warm request through the test client against replaying its own DynamoDB calls bare; calls per endpoint.
bench-warm: $(STAMP)
	$(PY) bench/warm_request.py

bench-portal: $(STAMP) $(PORTAL_STAMP) browser-deps
	$(PY) bench/portal.py

bench-import: $(STAMP)
	$(PY) bench/product_import.py --rows 10000

bench-project-catalog: $(STAMP)
	$(PY) bench/project_catalog_import.py --rows 10000

bench-local-store: $(STAMP)
	$(PY) bench/local_store.py

bench-allocation: $(STAMP)
	$(PY) bench/allocation.py --institutions 20000 --groups 30 --persist 2000 --export 100000

$(PORTAL_STAMP): portal/package-lock.json
	cd portal && npm ci --no-audit --no-fund --loglevel=error
	touch $(PORTAL_STAMP)

# The browser tests drive Debian's headless Chromium (chromium-headless-shell, ops/stack_process.py) and
# need a CJK font; on a fresh machine as root install them, otherwise say what to install.
browser-deps:
	@if [ -x /usr/bin/chromium-headless-shell ] && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell fonts-noto-cjk; \
	else \
	  echo "the browser tests need Debian's headless Chromium and a CJK font: sudo apt-get install chromium-headless-shell fonts-noto-cjk"; \
	  exit 1; \
	fi

# ops.portal's build needs only the standard library and the portal's packages, so it runs beside the
# venv's installation (make run / make test), before the stacks that serve the build start.
portal-build: $(PORTAL_STAMP)
	$(PYTHON) -m ops.portal build

# Regenerate portal/src/api/schema.d.ts from the API's OpenAPI document (a test checks it).
portal-types: $(STAMP) $(PORTAL_STAMP)
	$(PY) -m ops.portal types

bench-local-province: $(STAMP)
	$(PY) bench/local_province.py

# The per-test moto account, provisioned against copied from the pristine one (bench/test_provisioning.py).
bench-tests: $(STAMP)
	$(PY) bench/test_provisioning.py
	$(PY) bench/test_store.py

policy: $(STAMP)
	$(PY) -m infra.policy --write

clean:
	rm -rf $(VENV) cdk.out .pytest_cache

# Every disagreement between records, counters, outboxes and executions on the `make run` stack
# (docs/reliability.md "Consistency checker"); exit 1 when there is one.
check-consistency: $(STAMP)
	$(PY) -m ops.check_consistency --aws-port $(AWS_PORT)

# Generated bad input, larger than the bounded run in `make test` (tests/e2e/test_fuzz.py): schemathesis
# from /openapi.json as every demo actor, against a stack it starts; a fresh seed each run (printed).
FUZZ_EXAMPLES ?= 40
fuzz: $(STAMP) $(PORTAL_STAMP)
	$(PY) -m tests.fuzzing --examples $(FUZZ_EXAMPLES)

# pip-audit (requirements.txt), npm audit (portal/) and bandit (app.py, chalicelib/); an unreachable
# vulnerability database is skipped with a message (AUDIT_ARGS=--strict fails instead). Allow-list:
# ops/audit_allowlist.toml.
audit: $(STAMP) $(PORTAL_STAMP)
	$(PY) -m ops.audit $(AUDIT_ARGS)

# A bounded load test on loopback (bench/load.py): locust at 10, 50 and 100 users for LOAD_SECONDS each
# against a stack it starts; stops by itself. Not part of `make test`.
LOAD_SECONDS ?= 60
load: $(STAMP) $(PORTAL_STAMP)
	$(PY) bench/load.py --duration $(LOAD_SECONDS)
