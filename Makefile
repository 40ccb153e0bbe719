# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
SAMPLE  := data/trafford
PLACE   ?= $(or $(ESTATE_PLACE),$(SAMPLE))

JS      := .cache/js/node_modules/leaflet/dist/leaflet.js

.PHONY: run test lint system-deps benchmarks sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages the browser tests need; installed only where missing.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Leaflet for the maps, so they draw without a CDN (offline machines and CI). Without
# npm the maps load Leaflet from its CDN instead.
$(JS):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix .cache/js leaflet@1.9.3 leaflet.markercluster@1.1.0; \
	else echo "npm not found: maps will load Leaflet from its CDN"; fi

run: $(STAMP) $(JS)
	ESTATE_PLACE=$(PLACE) $(VENV)/bin/streamlit run app.py

test: $(STAMP) $(JS) system-deps
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check estate optimiser pages app.py

benchmarks: $(STAMP)
	$(PY) benchmarks/access.py
	$(PY) benchmarks/optimiser.py

# Rebuild the bundled sample place from the raw public files beside the project.
sample: $(STAMP)
	$(PY) data/build_trafford.py --raw ../shared/data/trafford --out $(SAMPLE)

clean:
	rm -rf $(VENV) .pytest_cache
