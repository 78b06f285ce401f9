# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test test-sqlite test-services bench bench-peers bench-import bench-scale lint install clean

$(BIN)/commentsvc: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/commentsvc

run: install
	$(BIN)/commentsvc db upgrade
	$(BIN)/commentsvc seed-demo
	$(BIN)/commentsvc serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python scripts/run_tests.py

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/peers.py
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/stream_bench.py

# Side by side with Isso 0.14.0 (installed once into benchmarks/.isso-venv) and bare Flask.
bench-peers: install
	$(BIN)/python benchmarks/peers.py

bench-import: install
	$(BIN)/python benchmarks/import_bench.py

# A million comments on PostgreSQL (COMMENTSVC_BENCH_DATABASE_URL, a throw-away database).
bench-scale: install
	$(BIN)/python benchmarks/scale.py $(if $(COMMENTSVC_BENCH_DATABASE_URL),--database-url $(COMMENTSVC_BENCH_DATABASE_URL))

clean:
	rm -rf $(VENV) benchmarks/.isso-venv instance .pytest_cache tests/artifacts
