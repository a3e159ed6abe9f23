# Quick start: `make run` starts the bot on its embedded default; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The labelled development set is kept beside the repository, not in it; EVAL_DIR=… names another.
EVAL_DIR ?= ../shared/eval/dev

.PHONY: run test bench soak eval eval-set clean

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

eval: eval-set $(STAMP)
	$(PY) run_bot.py eval $(EVAL_DIR)

eval-set:
	@test -f "$(EVAL_DIR)/messages.jsonl" || { echo "没有找到评测集：$(EVAL_DIR)/messages.jsonl 不存在（评测集不在仓库里）。请用 make eval EVAL_DIR=<含 messages.jsonl 的目录> 指定。" >&2; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache
