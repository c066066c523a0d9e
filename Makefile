# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_BIN := node_modules/.bin

.PHONY: run test lint schemas lock screenshots topology clean

run: $(VENV)/.run-deps
	$(BIN)/python -m api $(ARGS)

test: $(VENV)/.test-deps node_modules/.installed
	bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/mypy api schemas tests bench scripts
	$(NODE_BIN)/tsc -p frontend
	$(NODE_BIN)/biome lint --error-on-warnings frontend/
	$(BIN)/python -m pytest -n 3 --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.test-deps node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy api schemas tests bench scripts
	$(NODE_BIN)/tsc -p frontend
	$(NODE_BIN)/biome lint --error-on-warnings frontend/

schemas: $(VENV)/.test-deps
	$(BIN)/python -m schemas

# requirements.lock: the exact versions and hashes the Docker image installs, resolved
# from pyproject.toml's dependencies (kept pins stay; add --upgrade to move them).
lock: $(VENV)/.test-deps
	$(BIN)/pip install --quiet --disable-pip-version-check pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --no-header \
		--output-file requirements.lock pyproject.toml

$(VENV)/bin/python:
	bash scripts/make-venv.sh $(PYTHON) $(VENV)

$(VENV)/.run-deps: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The front end's checkers (TypeScript, Biome) from package-lock.json; nothing is built.
node_modules/.installed: package-lock.json
	bash scripts/test-services.sh node
	npm ci --no-audit --no-fund
	touch $@

# The README's pictures: the browser tests, at a phone's own pixel density, write every
# screen to test-output/; this copies the ones docs/ shows.
screenshots: $(VENV)/.test-deps
	ATTUNE_SCREENSHOT_SCALE=3 $(BIN)/python -m pytest -n 3 tests/browser
	mkdir -p docs/screenshots
	for f in docs/screenshots/*.png; do cp "test-output/screenshots/$$(basename $$f)" "$$f"; done

topology: $(VENV)/.run-deps
	$(BIN)/python scripts/topology.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules
