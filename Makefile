# Branchmark — two commands:
#   make demo   set up, migrate, load the demo county, serve it on http://127.0.0.1:5000/
#   make test   set up (plus browser packages), run the whole test suite
#
# Variables (make VAR=value ...):
#   PYTHON            interpreter for the venv                    (python3)
#   PROJECT_DIR       the checkout to work on                     (this folder)
#   VENV              virtual environment                         ($(PROJECT_DIR)/.venv)
#   DEMO_HOST / DEMO_PORT  where `make demo` serves               (127.0.0.1 / 5000)
#   PYTEST_ARGS       extra pytest arguments, e.g. PYTEST_ARGS='-x -k scorecard'
#   BROWSER_PACKAGES  apt packages for browser tests; empty skips them
#                                                  (chromium chromium-driver)
# BRANCHMARK_SKIP_SYSTEM_PACKAGES=1 in the environment skips the apt check entirely.

SCRIPTS          := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))/scripts
PROJECT_DIR      ?= $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
PYTHON           ?= python3
VENV             ?= $(PROJECT_DIR)/.venv
DEMO_HOST        ?= 127.0.0.1
DEMO_PORT        ?= 5000
PYTEST_ARGS      ?=
BROWSER_PACKAGES ?= chromium chromium-driver

export PROJECT_DIR PYTHON VENV DEMO_HOST DEMO_PORT

.PHONY: demo test setup setup-test help translations isolation

help:
	@sed -n '2,4p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# *//'

## Set-up shared by both: system packages, .venv, translations.
setup:
	@"$(SCRIPTS)/setup.sh"

setup-test:
	@"$(SCRIPTS)/setup.sh" $(BROWSER_PACKAGES)

demo: setup
	@"$(SCRIPTS)/demo.sh"

test: setup-test
	@"$(SCRIPTS)/test.sh" $(PYTEST_ARGS)

## Benchmarks (ratios against a floor, never tests): BENCH_UNITS=1500 for the full size.
bench: setup
	@"$(PROJECT_DIR)/benchmarks/run.sh"

## The full isolation matrix (every route × role × another unit's ids, with a fingerprint of every
## table): prints its counts. On PostgreSQL with BRANCHMARK_TEST_DATABASE_URL (CI runs a sample).
isolation: setup-test
	@BRANCHMARK_ISOLATION=full "$(SCRIPTS)/test.sh" tests/test_hardening_isolation.py -q -s -p no:cacheprovider $(PYTEST_ARGS)

## Re-extract the msgids (babel.cfg) into messages.pot and merge them into every messages.po;
## then translate the new empty entries (tests/test_translations.py lists them).
translations: setup
	cd "$(PROJECT_DIR)" && "$(VENV)/bin/pybabel" -q extract -F babel.cfg -k _l -k lazy_gettext \
	  --project=Branchmark --no-wrap -o core/translations/messages.pot .
	cd "$(PROJECT_DIR)" && "$(VENV)/bin/pybabel" -q update -i core/translations/messages.pot \
	  -d core/translations --no-fuzzy-matching --no-wrap --ignore-obsolete
