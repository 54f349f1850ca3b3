# Two commands for a fresh Debian 12 machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Debian packages the app and the tests run on (installed when running as root and missing).
DEBIAN_PACKAGES := $(shell grep -v '^\s*\#' scripts/debian-packages.txt)

.PHONY: demo test deps venv lint screenshots clean

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

test: deps venv
	scripts/with-test-services.sh $(BIN)/python -m pytest -p no:cacheprovider

lint: venv
	$(BIN)/lint-imports

screenshots: deps venv
	scripts/with-test-services.sh $(BIN)/python scripts/make_screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info
