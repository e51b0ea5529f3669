# haoban: make run | make test | make install | make lint
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint format schema bench node-deps clean messages

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "haoban needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/haoban db upgrade
	$(BIN)/haoban seed --if-empty
	$(BIN)/haoban serve --host $(HOST) --port $(PORT)

# Node packages used only by tests (the GraphQL-over-HTTP audit); pinned by tests/node/package-lock.json.
node-deps:
	@if command -v npm >/dev/null 2>&1; then cd tests/node && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the GraphQL-over-HTTP audit test will be skipped"; fi

test: install node-deps lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: install
	$(BIN)/haoban schema export

bench: install
	$(BIN)/python bench/catalogue.py
	$(BIN)/python bench/flows.py

clean:
	rm -rf $(VENV) var

# Message catalogues (Babel): extract msgids, merge into the .po files, compile the .mo files.
BABEL_KEYWORDS := -k _ -k gettext -k HaobanError:2 -k NotFound:1 -k InvalidArgument:1 -k RatingError:2 -k BookingError:2 -k FlowError:2
messages: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	  --project haoban --copyright-holder haoban -o accessibility/locale/haoban.pot .
	$(BIN)/pybabel update -i accessibility/locale/haoban.pot -d accessibility/locale -D haoban --no-fuzzy-matching -w 100
	$(BIN)/pybabel compile -d accessibility/locale -D haoban --statistics
