# make run  - set up .venv, load the demo warehouse, serve on http://localhost:8000
# make demo-reset - a fresh demo warehouse (stop make run first), without reinstalling
# make test - set up .venv and run the whole test suite (in parallel: TEST_WORKERS)
# make property - the ledger property test at length with random seeds
# make torture - the fault and race tests at length (tests/faults and the 32-picker races)
# make fuzz-api - schemathesis over the API's OpenAPI document at length, on both engines
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run demo-reset optional-packages test install lint bench clean translations property torture fuzz-api

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install the venv module" \
	  "(Debian/Ubuntu: sudo apt-get install python3-venv) and run make again"; \
	  rm -rf $(VENV); exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/wms init --demo
	@echo "A backup as the nightly timer takes it on a gateway (wms backup):" \
	  "$$($(BIN)/wms backup | sed -n 's/^backed up to //p')"
	@echo
	@echo "Warehouse terminal: http://localhost:$(PORT)/   (API: http://localhost:$(PORT)/api/v1/openapi.json)"
	@echo "API token of the demo admin: $$(cat var/demo-api-token)"
	@echo "Printers: folders under var/prints/ (each job's bytes and a preview .png);"
	@echo "  remove a folder to unplug its printer, recreate it to plug it back in."
	@echo "Fixed scanners (simulated): the dock and packing stations at http://localhost:$(PORT)/stations/"
	@echo "  scan:    $(BIN)/python -m drivers.simulator type dock BADGE-0003 PO-1001 ']C1010690123456789217271130~10LJ99' x12"
	@echo "           (a badge signs Li in, a purchase order, a GS1 label: tea, expiry 2027-11-30, lot LJ99, then 12 of them in all)"
	@echo "  cable:   $(BIN)/python -m drivers.simulator unplug dock   (then: ... plug dock)"
	@$(MAKE) --no-print-directory optional-packages
	@echo
	@$(BIN)/python -m drivers.simulator serve dock --link var/dev/dock-scanner & dock=$$!; \
	  $(BIN)/python -m drivers.simulator serve packing --link var/dev/packing-scanner & packing=$$!; \
	  $(BIN)/wms printer-worker & worker=$$!; \
	  WMS_BRIDGE_APP_URL=http://127.0.0.1:$(PORT) $(BIN)/wms bridge & bridge=$$!; \
	  trap 'kill $$worker $$bridge $$dock $$packing 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/wms serve --port $(PORT)

# Which optional Debian packages are missing, and what each adds (none is needed by the demo).
optional-packages: $(STAMP)
	@missing=""; \
	  $(BIN)/python -c 'from printing.fonts import find_cjk_font; find_cjk_font()' 2>/dev/null || \
	    missing="$$missing\n  fonts-noto-cjk: print previews (.png) draw Chinese with it; without it they show boxes"; \
	  [ -x "$${WMS_TEST_CHROMIUM:-/usr/bin/chromium}" ] || \
	    missing="$$missing\n  chromium: make test runs the browser tests in it (skipped without it)"; \
	  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	    missing="$$missing\n  postgresql: make test runs every database test on PostgreSQL too (skipped without it)"; \
	  if [ -n "$$missing" ]; then \
	    printf "Optional system packages not installed (sudo apt-get install <name>):$$missing\n"; fi

demo-reset: $(STAMP)
	@$(BIN)/wms init --demo --fresh
	@echo "A fresh demo warehouse: make run serves it."

# The suite runs in TEST_WORKERS processes (pytest-xdist; as many as the machine has cores,
# at most 4), each with its own PostgreSQL server and browser; idle workers take tests
# queued for busy ones (worksteal). `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
test: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# The ledger property test at length, with random seeds: new days on the floor each run
# (CI runs a fixed, bounded sample of it within `make test`).
property: $(STAMP)
	WMS_PROPERTY_PROFILE=long $(BIN)/pytest -p no:cacheprovider -q --timeout=0 \
	  tests/integration/test_ledger_properties.py -k any_day_on_the_floor

# The fault and race tests at length: 2,000 moves with ~30 % of answers lost, 30 SIGKILLs of
# every server process, 300 duplicate sends, 300 verify runs under load, 100 seeded races of 32
# pickers and of 32 movers, every bad input at every page step; each on SQLite and PostgreSQL.
# Any size can be set alone (WMS_FAULT_MOVES, WMS_KILLS, WMS_DUPLICATE_TRIALS, WMS_VERIFY_RUNS,
# WMS_VERIFY_COMMAND_RUNS, WMS_RACE_TRIALS). The figures end the output and go to
# test-artifacts/torture-figures.txt.
TORTURE_RACES := tests/integration/test_concurrency.py::test_when_32_pickers_confirm_at_once_only_the_10_units_left_after_a_count_are_picked \
  tests/integration/test_concurrency.py::test_32_moves_of_one_unit_out_of_a_bin_of_10_move_exactly_10
torture: $(STAMP)
	@mkdir -p test-artifacts && rm -f test-artifacts/torture-figures.txt
	WMS_TORTURE=1 WMS_FIGURES_FILE=test-artifacts/torture-figures.txt $(BIN)/pytest \
	  -p no:cacheprovider -q --timeout=0 tests/faults $(TORTURE_RACES)

# Schemathesis over /api/v1/openapi.json at length, on SQLite and PostgreSQL, with a new
# seed each run (CI runs a bounded sample of it within `make test`). FUZZ_EXAMPLES sets the
# examples per operation; WMS_FUZZ_SEED=N repeats a run.
FUZZ_EXAMPLES ?= 300
fuzz-api: $(STAMP)
	WMS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -q -s --timeout=0 \
	  tests/integration/test_api_schema.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Collect the pages' texts into the zh catalog (new ones arrive untranslated) and compile it.
translations: $(STAMP)
	@mkdir -p var
	$(BIN)/pybabel extract -F terminal_ui/babel.cfg -k _l -k lazy_gettext --no-location \
	  --omit-header --sort-output -o var/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i var/messages.pot -d terminal_ui/translations -l zh --no-wrap \
	  --ignore-obsolete
	$(BIN)/pybabel compile -d terminal_ui/translations -l zh --statistics

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
