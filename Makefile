# Every target creates .venv on first use and installs what it needs.
# torch is pinned here (the CPU wheel on this machine); pyproject.toml keeps the range torch>=2.4.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/actlab demo

# pytest exits 5 when it collected no test: that is a failure here, never a silent pass.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/actlab docs --out docs
	$(BIN)/python -c "from actlab.modules import write_stub; print('wrote', write_stub())"
	$(BIN)/python -c "from actlab.listing import write_packaged; print('wrote', write_packaged())"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
