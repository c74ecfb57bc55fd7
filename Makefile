# The two commands of the README: `make book` and `make test`.
# Both create .venv on first use and install requirements.txt into it (the package too).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# TensorFlow's C++ log lines go to stderr; keep them (errors too: 3) out of outputs and nbval runs.
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: book test lint notebooks clean chromium

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10 or newer is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Book built: $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .

# Unit, property, grading, fresh-install and browser tests, plus strict nbval over every
# chapter. The browser tests read the built book, so the book is built first.
test: lint book chromium
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg

# The browser tests drive Debian's Chromium (never a browser download). Installed when
# missing and we are root (as in CI); otherwise they are skipped, with the reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing (sudo apt-get install chromium): the browser tests will be skipped"; fi; }

# Re-execute every chapter and store its outputs (the outputs nbval compares against).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),book/*.ipynb)

clean:
	rm -rf _build
