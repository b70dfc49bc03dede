# One entry point for people, Docker and CI. Each target calls a small script in scripts/.
.PHONY: run test setup lint bench clean

run:            ## set up everything and serve on http://127.0.0.1:8000
	@bash scripts/run.sh

test:           ## set up everything, then lint, type-check and run the whole suite on a throwaway database
	@bash scripts/test.sh

setup:          ## only the preparation: virtualenv, packages, PostgreSQL + PostGIS
	@bash scripts/setup.sh

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

bench:          ## every benchmark under bench/ (long)
	@bash scripts/bench.sh

clean:
	rm -rf .venv .whistle build *.egg-info
