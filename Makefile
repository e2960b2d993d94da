# Two commands for a fresh machine (Python 3.11+ and make):  make demo  |  make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint bench clean app

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# The main job on the built-in data. `planner score` exits 3 when some input rows were
# rejected: the example list has two deliberately bad rows, so 3 is the expected outcome here.
demo: $(VENV)/.installed
	$(BIN)/planner layers list
	mkdir -p $(OUT) maps
	$(BIN)/planner score geodata/examples/companies.csv --sites builtin --allocate \
		-o $(OUT)/results.xlsx --rejects $(OUT)/rejects.csv --map maps/results.html --overwrite \
		|| test $$? -eq 3
	$(BIN)/planner score geodata/examples/companies.csv --sites grid --top 5 \
		-o $(OUT)/results_grid.gpkg --overwrite --quiet || test $$? -eq 3
	$(BIN)/planner map --sites builtin -o maps/demo.html --overwrite
	@echo "demo outputs: $(OUT)/results.xlsx, $(OUT)/rejects.csv, $(OUT)/results_grid.gpkg, $(OUT)/results_grid.rejects.csv, maps/results.html, maps/demo.html (each with its .manifest.json)"

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	touch $@ $(VENV)/.installed

# The web app on http://127.0.0.1:8501 (this machine only; see README "Web app").
app: $(VENV)/.installed-app
	$(BIN)/planner app $(APP_ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check planner tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info
