# `make demo` and `make test` work on a fresh clone: `setup` builds everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA := $(CURDIR)/.demo-data
LINTED := crawler indexer search_cli devtools web tests bench
TYPED := crawler indexer search_cli devtools web

.PHONY: setup demo check test lint decoders bench clean opensearch-up opensearch-down elasticsearch-up elasticsearch-down

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	bash scripts/demo.sh "$(DEMO_DATA)"

# The fast loop (under a minute): lint, format, types, and every test not marked `slow`.
check: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy $(TYPED)
	$(BIN)/pytest -q -m "not slow" -n 2

test: setup
	bash scripts/test.sh

opensearch-up:
	bash scripts/opensearch.sh up

opensearch-down:
	bash scripts/opensearch.sh down

elasticsearch-up:
	bash scripts/elasticsearch.sh up

elasticsearch-down:
	bash scripts/elasticsearch.sh down

lint: setup
	$(BIN)/ruff check $(LINTED)

# indexer/record_decoders.py is generated from the record classes: run after changing indexer/record.py.
decoders: setup
	$(BIN)/python -m indexer.record_codegen

bench: setup
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.versions
	$(BIN)/python -m bench.quality
	$(BIN)/python -m bench.listing

clean:
	bash scripts/elasticsearch.sh clean
	rm -rf $(VENV) $(DEMO_DATA) .opensearch .pytest_cache .mypy_cache .ruff_cache
