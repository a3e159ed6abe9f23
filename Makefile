# Quick start: `make run` starts the bot on its embedded default; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench soak eval clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip check
	touch $(STAMP)

run: $(STAMP)
	$(PY) run_bot.py

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

soak: $(STAMP)
	$(PY) benchmarks/end_to_end.py --soak 600

eval: $(STAMP)
	$(PY) run_bot.py eval ../shared/eval/dev

clean:
	rm -rf $(VENV) .pytest_cache
