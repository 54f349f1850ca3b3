# Two commands for a fresh Debian 12 machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Debian packages the app and the tests run on (installed when running as root and missing).
DEBIAN_PACKAGES := $(shell grep -v '^\s*\#' scripts/debian-packages.txt)

.PHONY: demo test fuzz deps venv lint screenshots clean

deps:
	@scripts/install-debian-packages.sh $(DEBIAN_PACKAGES)

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

venv: $(BIN)/.installed

demo: deps venv
	$(BIN)/kiosk demo

# In two pytest-xdist workers (KIOSK_TEST_WORKERS=N for more), bytecode cached in build/pycache:
# scripts/run-tests.sh.
test: deps venv
	scripts/with-test-services.sh scripts/run-tests.sh $(BIN)/python

# Every parser's property on N seeded random inputs (docs/fuzzing.md); `make fuzz N=20000
# TARGETS="tlv qr_payload" SEED=7` for a quick or repeated run. Exit 0 only for a full run
# (N ≥ 1,000,000 each) with no untyped exception and no broken property.
N ?= 1000000
TARGETS ?=
SEED ?=
fuzz: venv
	$(BIN)/python -m fuzzing -n $(N) $(if $(SEED),--seed $(SEED)) $(TARGETS)

lint: venv
	$(BIN)/lint-imports

screenshots: deps venv
	scripts/with-test-services.sh $(BIN)/python scripts/make_screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info
