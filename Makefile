# Kompeten: `make run` to set up and serve, `make test` to set up and pass the tests.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask
PORT   ?= 5000
export PORT

.PHONY: run serve test test-sqlite test-postgres install install-dev translations db lint clean

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 tidak ditemukan: set PYTHON=/path/ke/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compile the .po catalogues (WTForms' messages in Bahasa Indonesia, later UI languages).
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -f -d app/translations -D wtforms >/dev/null

db: translations
	$(FLASK) db upgrade
	$(FLASK) agencies seed
	$(FLASK) content import

run: db
	$(PY) run.py

# Production-style: gunicorn with gunicorn.conf.py (LMS_BIND, LMS_WORKERS, LMS_DATABASE_URL...).
serve: db
	$(VENV)/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'

test: install-dev translations
	env -u LMS_TEST_DATABASE_URL $(PY) -m pytest -q
	@if [ -n "$$LMS_TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL: $$LMS_TEST_DATABASE_URL =="; \
	  $(PY) -m pytest -q; \
	fi

lint: install-dev
	$(VENV)/bin/ruff check app tests config.py run.py

clean:
	rm -rf $(VENV) .pytest_cache
