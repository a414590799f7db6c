# Every target works from a fresh clone: the venv is made and filled on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make demo` needs only the runtime package; `make test` (and every tool target)
# adds the dev and CI extras on top. Either one makes the venv first when it is missing.
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck generate check-generated schema emulator-shapes check-schema pytest bench \
	bench-smoke clean test-matrix package-check bare-clone-check interop-ts-deps

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# The original aioresponses and its fork aioresponses-ng share one package directory:
# a venv made before the switch loses the original first, or the two would overwrite each other.
$(STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip uninstall --quiet --yes aioresponses
	$(BIN)/python -m pip install --quiet -e '.[dev,ci]'
	scripts/ensure_redis_server.sh
	touch $(STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/extend-client demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict

# The models first, then the async resources (which name them): the sync facade is read
# from the async code.
generate: $(STAMP)
	$(BIN)/python scripts/generate_models.py
	$(BIN)/python scripts/generate_resources.py
	$(BIN)/python scripts/generate_sync.py

check-generated: $(STAMP)
	$(BIN)/python scripts/generate_models.py --check
	$(BIN)/python scripts/generate_resources.py --check
	$(BIN)/python scripts/generate_sync.py --check

# The API's schema, read from the official package pinned in the dev dependencies
# (api-schema/README.md says what is in it).
schema: $(STAMP)
	$(BIN)/python scripts/extract_schema.py
	$(BIN)/python scripts/generate_emulator_shapes.py

# The emulator's compact copy of the schema's endpoints and response types.
emulator-shapes: $(STAMP)
	$(BIN)/python scripts/generate_emulator_shapes.py

check-schema: $(STAMP)
	$(BIN)/python scripts/extract_schema.py --check
	$(BIN)/python scripts/generate_emulator_shapes.py --check

# The official TypeScript SDK that tests/interop/test_official_ts_sdk.py drives, installed
# from the committed lock file into tests/interop/ts/node_modules (git-ignored), again only
# when the lock file changes. Without npm this fails, saying so, unless EXTEND_SKIP_NODE=1
# (the test then skips as well; CI never sets it).
TS_INTEROP := tests/interop/ts
TS_STAMP := $(TS_INTEROP)/node_modules/.installed

interop-ts-deps: $(TS_STAMP)

$(TS_STAMP): $(TS_INTEROP)/package.json $(TS_INTEROP)/package-lock.json
	@if ! command -v npm > /dev/null 2>&1; then \
		if [ "$$EXTEND_SKIP_NODE" = 1 ]; then \
			echo "npm not found: the TypeScript interop test will skip (EXTEND_SKIP_NODE=1)"; exit 0; \
		fi; \
		echo "error: npm is not on PATH: the TypeScript interop test needs Node 18+ and npm" \
			"(EXTEND_SKIP_NODE=1 skips it on a machine without node)" >&2; exit 1; \
	fi; \
	cd $(TS_INTEROP) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed

# stdin is /dev/null whatever the caller gives: CI may run with none at all, and a closed
# descriptor 0 breaks tools the tests start (an IPython kernel reads its encoding).
pytest: $(STAMP) $(TS_STAMP)
	$(BIN)/pytest -q < /dev/null

test: lint typecheck check-generated check-schema pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

# The test suite on the other interpreters and dependency floors users may have, one venv each
# (`make install` covers Python 3.11 with the newest aiohttp). Every entry is
# NAME:PYTHON_VERSION:EXTRA_REQUIREMENT ("-" for none, "floors" for every runtime dependency at
# the floor pyproject.toml declares, all at once: scripts/floor_requirements.py reads them); the
# classifiers in pyproject.toml list exactly these Python versions plus 3.11. An interpreter that
# cannot be found fails the target.
MATRIX := py310:3.10:- py312:3.12:- py313:3.13:- py310-floors:3.10:floors
MATRIX_NAMES := $(foreach entry,$(MATRIX),$(word 1,$(subst :, ,$(entry))))
matrix_field = $(word $(2),$(subst :, ,$(filter $(1):%,$(MATRIX))))

test-matrix: $(MATRIX_NAMES:%=test-matrix-%)

test-matrix-%: .venv-%/.installed $(TS_STAMP)
	@.venv-$*/bin/python -c "import sys, aiohttp; \
	print('== $*: Python', sys.version.split()[0], '/ aiohttp', aiohttp.__version__)"
	.venv-$*/bin/pytest -q -p no:cacheprovider < /dev/null

.venv-%/.installed: pyproject.toml scripts/find_python.sh scripts/floor_requirements.py
	@test -n "$(call matrix_field,$*,2)" || { echo "error: $* is not in MATRIX" >&2; exit 1; }
	python=$$(scripts/find_python.sh $(call matrix_field,$*,2)) && "$$python" -m venv --clear .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet -e '.[dev]' $(call matrix_extra,$*)
	touch $@

matrix_extra = $(if $(filter floors,$(call matrix_field,$(1),3)),\
	$$($(PYTHON) scripts/floor_requirements.py),\
	$(patsubst %,'%',$(filter-out -,$(call matrix_field,$(1),3))))

# The venvs outlive the run: the next one only reinstalls when pyproject.toml changes.
.PRECIOUS: .venv-%/.installed

# Builds the sdist and the wheel (the wheel from the sdist, as pip would), checks their
# metadata, installs the wheel alone into a fresh venv and uses it from outside the source
# tree, so nothing is imported from the checkout.
WHEEL_VENV := $(abspath .venv-wheel)
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' extend_async/_version.py)
package-check: $(STAMP)
	rm -rf dist $(WHEEL_VENV)
	$(BIN)/python -m build --outdir dist
	$(BIN)/twine check --strict dist/*
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet dist/*.whl
	cd / && $(WHEEL_VENV)/bin/python -c "import sys, importlib.metadata as md; \
	import extend_async, extend_async.testing, extend_sync; \
	assert extend_async.__file__.startswith(sys.prefix), extend_async.__file__; \
	assert md.version('extend-client') == extend_async.__version__; \
	print('wheel installs extend-client', extend_async.__version__)"
	cd / && $(WHEEL_VENV)/bin/extend-client --help > /dev/null
	cd / && $(WHEEL_VENV)/bin/extend-client --version | grep -F '$(VERSION)'

# The README's two commands in a clone of the committed tree, in an empty temporary folder with
# nothing beside it: a test, script or build step that reaches outside the repository (or a
# file that was never committed) fails here, not on a user's machine.
bare-clone-check:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	git clone --quiet --no-hardlinks "$(CURDIR)" "$$dir/extend-client" && \
	cd "$$dir/extend-client" && echo "== bare clone in $$dir/extend-client" && \
	$(MAKE) --no-print-directory demo && $(MAKE) --no-print-directory test

clean:
	rm -rf $(VENV) .venv-* .mypy_cache .pytest_cache .ruff_cache build dist *.egg-info
