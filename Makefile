# Two commands do everything on a machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench mutants pyairbyte readiness install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tests]'
	touch $@

install: $(VENV)/.installed

# Starts the bundled stand-in API; check, then a first sync of every stream and a second
# (incremental) one after new activities were added, through the installed command; stops it.
demo: $(VENV)/.installed
	$(PY) scripts/demo.py

# Unit, stand-in, end-to-end and acceptance tests; the tests start and stop their own servers.
# The unit tests and the rest run side by side (scripts/run_tests.py); PYTEST_ARGS="..." runs
# one pytest with those arguments instead (for example a subset).
test: $(VENV)/.installed
ifdef PYTEST_ARGS
	$(PY) -m pytest -m "not image_tests" $(PYTEST_ARGS)
else
	$(PY) scripts/run_tests.py
endif

# CPU mode (records/s beside a bare requests+json loop) and API mode (5 requests/s, page latency);
# every figure printed beside its target. BENCH_ARGS="--mode fail" measures the time to fail.
bench: $(VENV)/.installed
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# Breaks manifest.yaml (a copy) one way at a time and reports which breakages the unit tests miss.
mutants: $(VENV)/.installed
	$(PY) scripts/mutants.py $(MUTANTS_ARGS)

# PyAirbyte reads both streams into DuckDB, through the manifest and through source-peopleai, in
# its own venv (.venv-pyairbyte, about 780 MB, made on first use); checks column types and counts.
pyairbyte:
	$(PYTHON) scripts/pyairbyte_check.py $(PYAIRBYTE_ARGS)

# Airbyte's connector-builder checks (airbyte-connector-builder-mcp, called from Python) against
# the stand-in: validate_manifest, the resolution test, a test read of every stream and the
# readiness report, in their own venv (.venv-readiness, about 410 MB, made on first use).
readiness:
	$(PYTHON) scripts/readiness_check.py $(READINESS_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output bench-output .pytest_cache
