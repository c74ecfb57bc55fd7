# The two commands of the README: `make book` and `make test`.
# Both create .venv on first use and install requirements.txt into it (the package too).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# TensorFlow's C++ log lines go to stderr; keep them (errors too: 3) out of outputs and nbval runs.
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: book test lint notebooks clean chromium axe colab-env colab-refresh

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
# chapter. The browser tests read the built book, so the book is built first; the Colab
# tests (tests/test_colab.py: every chapter in Colab's versions, ~50 s) need .venv-colab.
test: lint book chromium axe colab-env
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg

# The browser tests drive Debian's Chromium (never a browser download); npm fetches axe-core
# for the accessibility tests. Both installed with apt when missing and we are root (as in
# CI); otherwise the tests that need them are skipped, with the reason.
chromium:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's $$missing for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing: $$missing (sudo apt-get install $$missing): the tests that need it will be skipped"; fi; fi

# axe-core, the accessibility engine tests/test_accessibility.py injects into every page, from
# the npm registry into .cache/axe (gitignored). Pinned, so a fresh clone runs the same rules.
AXE_VERSION := 4.14.1
axe: chromium
	@grep -qs '"version": "$(AXE_VERSION)"' .cache/axe/node_modules/axe-core/package.json || { \
	  if command -v npm >/dev/null 2>&1; then \
	    echo "installing axe-core $(AXE_VERSION) from npm into .cache/axe"; \
	    npm install --prefix .cache/axe --no-audit --no-fund --no-save --silent axe-core@$(AXE_VERSION); \
	  else echo "npm missing: the axe-core tests will be skipped"; fi; }

# Colab's runtime rebuilt from its published package list (tools/colab/): Python 3.13 with
# Colab's versions in .venv-colab, from the registry, once (again when the list changes).
# tests/test_colab.py then runs offline: installing chainrule there adds chainrule alone,
# and every chapter runs there. Without Python 3.13 it says so and those tests skip.
colab-env: $(STAMP)
	$(BIN)/python tools/colab_env.py build

# The one step when Colab changes its image: fetch its current list from googlecolab/backend-info.
colab-refresh: $(STAMP)
	$(BIN)/python tools/colab_env.py refresh

# Re-execute every chapter and store its outputs (the outputs nbval compares against).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),book/*.ipynb)

clean:
	rm -rf _build
