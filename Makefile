# The two commands: `make up` (demo course on http://127.0.0.1:8000) and `make test`.
.PHONY: up down status logs build test test-unit lint bench

up:
	scripts/bootstrap.sh
	.venv/bin/decoder up

down:
	@[ -x .venv/bin/decoder ] && .venv/bin/decoder down || echo "Nothing to stop."

status:
	.venv/bin/decoder status

logs:
	.venv/bin/decoder logs

build:
	scripts/bootstrap.sh
	.venv/bin/decoder build

test:
	scripts/bootstrap.sh --test
	.venv/bin/decoder build
	.venv/bin/ruff check decoder graders tests bench jupyterhub_config.py
	.venv/bin/pytest

test-unit:
	.venv/bin/pytest -m "not docker"

lint:
	.venv/bin/ruff check decoder graders tests bench jupyterhub_config.py

bench:
	.venv/bin/python bench/spawn.py
