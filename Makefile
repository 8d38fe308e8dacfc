# Kompeten: `make run` to set up and serve, `make test` to set up and pass the tests.
# The distribution's Python 3.11 where there is one: Debian's and Ubuntu's are built with
# profile-guided and link-time optimization, 20-25 % faster than a version manager's default
# build (docs/operations.md, "The Python interpreter"). PYTHON=... picks another.
PYTHON ?= $(or $(wildcard /usr/bin/python3.11),python3.11)
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask
PORT   ?= 5000
export PORT

.PHONY: run serve test test-sqlite test-postgres install install-dev translations extract db lint clean

# Debian keeps `venv`'s pip bootstrap in a package of its own (python3.11-venv): installed
# when missing, as Chromium below; where that is impossible the first python3.11 on the PATH
# makes the virtualenv instead.
$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 tidak ditemukan: set PYTHON=/path/ke/python3.11"; exit 1; }
	@python=$(PYTHON); \
	if ! $$python -c "import ensurepip" 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	  echo "Memasang python3.11-venv untuk $$python: $$SUDO apt-get install -y python3.11-venv"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3.11-venv >/dev/null 2>&1 \
	    || { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3.11-venv >/dev/null 2>&1; } || true; \
	fi; \
	if ! $$python -c "import ensurepip" 2>/dev/null; then \
	  echo "$$python tidak dapat membuat virtualenv (tanpa ensurepip): memakai python3.11 di PATH"; \
	  python=python3.11; \
	fi; \
	echo "$$python -m venv $(VENV)"; $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# gunicorn's workers run optimized (WORKER_PYTHON_ENV): without docstrings and asserts they
# keep ~7 MiB less each (docs/operations.md, "Memory"). Their bytecode is compiled here, once:
# a service user usually cannot write into the virtualenv, and would compile it on every start.
WORKER_PYTHON_ENV := PYTHONOPTIMIZE=2
COMPILE_FOR_WORKERS = $(PY) -OO -m compileall -q -j 0 $(VENV)/lib app config.py >/dev/null

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.compiled-for-workers: $(VENV)/.installed
	$(COMPILE_FOR_WORKERS)
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.compiled-for-workers
install-dev: $(VENV)/.installed-dev

# Compile the .po catalogues into .mo (not kept in git): the interface in English (messages;
# Indonesian needs none, its text is the msgid) and WTForms' messages in Indonesian (wtforms).
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d app/translations -D messages >/dev/null
	$(VENV)/bin/pybabel compile -f -d app/translations -D wtforms >/dev/null

# Developers: after adding or changing text, collect every translatable string into
# messages.pot and merge it into each language's messages.po; then translate what is new or
# marked fuzzy (docs/i18n.md). tests/i18n uses the same EXTRACT_FLAGS.
EXTRACT_FLAGS := -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --add-comments=TRANSLATORS: --add-location=file --sort-output --no-wrap
extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract $(EXTRACT_FLAGS) --project=Kompeten -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -D messages -i app/translations/messages.pot -d app/translations --no-wrap --ignore-obsolete

db: translations
	$(FLASK) db upgrade
	$(FLASK) agencies seed
	$(FLASK) content import --startup

# The development server and, as its child process, the job consumer (run.py). LMS_DEMO=1 adds
# the demo accounts and their data first, once (docs/demo.md); a refusal is printed and the
# server starts anyway. `make serve` never adds them.
run: db
	@if [ "$$LMS_DEMO" = "1" ]; then $(FLASK) demo seed || echo "(make run: tanpa data demo)"; fi
	$(PY) run.py

# Production-style: two processes, gunicorn with gunicorn.conf.py (LMS_BIND, LMS_WORKERS,
# LMS_DATABASE_URL...) and the job consumer; stopping one stops both. In production run them as
# two services (docs/operations.md has systemd units).
serve: install db
	@$(FLASK) jobs worker & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
	$(WORKER_PYTHON_ENV) $(VENV)/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'

# In parallel on every core (pytest-xdist; TEST_WORKERS=0 runs in one process). Each worker has
# its own database; the browser and multi-process groups each stay on one worker
# (tests/conftest.py). docs/testing.md has the timings.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup

test: install install-dev translations chromium nginx
	env -u LMS_TEST_DATABASE_URL $(PY) -m pytest -q $(PYTEST_PARALLEL)
	@if [ -n "$$LMS_TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL: $$LMS_TEST_DATABASE_URL =="; \
	  $(PY) -m pytest -q $(PYTEST_PARALLEL); \
	fi

# Debian's Chromium for the real-browser tests (tests/browser, docs/testing-browser.md), installed
# when missing; where that is impossible the browser tests are skipped and say why.
LMS_CHROMIUM ?= /usr/bin/chromium
.PHONY: chromium
chromium:
	@[ -x "$(LMS_CHROMIUM)" ] || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium tidak ditemukan di $(LMS_CHROMIUM) dan apt-get tidak tersedia:"; \
	    echo "uji peramban (tests/browser) dilewati. Pasang Chromium, lalu set LMS_CHROMIUM ke lokasinya."; \
	  else \
	    SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	    echo "Memasang Chromium untuk uji peramban: $$SUDO apt-get install -y chromium"; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	      || { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
	      || echo "Chromium gagal dipasang: uji peramban (tests/browser) dilewati. Pasang manual: apt-get install chromium"; \
	  fi; }

# Debian's nginx for tests/security/test_nginx.py (Kompeten behind the proxy configuration
# docs/operations.md prints), installed when missing, as Chromium above; where that is
# impossible the test is skipped and says why. Only the binary is used: no service is started.
LMS_NGINX ?= /usr/sbin/nginx
.PHONY: nginx
nginx:
	@[ -x "$(LMS_NGINX)" ] || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "nginx tidak ditemukan di $(LMS_NGINX) dan apt-get tidak tersedia:"; \
	    echo "uji proxy (tests/security/test_nginx.py) dilewati. Pasang nginx, lalu set LMS_NGINX ke lokasinya."; \
	  else \
	    SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	    echo "Memasang nginx untuk uji proxy: $$SUDO apt-get install -y nginx"; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null \
	      || { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null; } \
	      || echo "nginx gagal dipasang: uji proxy (tests/security/test_nginx.py) dilewati. Pasang manual: apt-get install nginx"; \
	  fi; }

# Known vulnerabilities in the pinned requirements (docs/security.md "Dependencies"). Needs
# PyPI's per-release JSON API (or OSV: AUDIT_SERVICE=osv) on the internet; --strict fails when a
# package could not be checked, so an unreachable service never passes for a clean audit.
AUDIT_SERVICE ?= pypi
.PHONY: audit
audit: $(VENV)/bin/activate
	$(PY) -m pip install --quiet pip-audit==2.10.1
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -s $(AUDIT_SERVICE) \
	  -r requirements.txt -r requirements-dev.txt

lint: install-dev
	$(VENV)/bin/ruff check app tests config.py run.py

clean:
	rm -rf $(VENV) .pytest_cache

# Load benchmark (docs/performance.md): seeds a throwaway SQLite database and then the
# PostgreSQL database in BENCH_POSTGRES_URL (dropped and created again; empty it to skip), drives
# gunicorn with wrk, writes bench/results.json and bench/results.md. Installs wrk if missing.
BENCH_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kompeten_bench
BENCH_ARGS ?=
.PHONY: bench bench-peer bench-province wrk
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 || { \
	    echo "wrk tidak ditemukan dan apt-get tidak tersedia: pasang wrk dari paket sistem"; \
	    echo "(mis. 'dnf install wrk', 'brew install wrk') lalu jalankan lagi make bench."; exit 1; }; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  echo "Memasang wrk: $$SUDO apt-get install -y wrk"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk \
	    || { $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; } \
	    || { echo "wrk gagal dipasang; pasang manual lalu ulangi."; exit 1; }; }
	@true

bench: install translations wrk
	$(PY) bench/run.py --database sqlite $(if $(BENCH_POSTGRES_URL),--database $(BENCH_POSTGRES_URL)) $(BENCH_ARGS)

# Kompeten beside Kolibri (optional; docs/performance.md): installs Kolibri into its own
# virtualenv under bench/tmp/, runs it on 127.0.0.1 with telemetry and zeroconf off, and
# measures comparable requests of both in one alternating run. Writes bench/results-peer.json
# and the "Beside Kolibri" section of bench/results.md.
bench-peer: install translations wrk
	$(PY) bench/peer.py $(BENCH_ARGS)

# The report pages of a province (100,000 ASN, `flask bench seed --scale 10`): the OPD summary
# and the JP ledger, into bench/results-100k.md and .json. Seeding takes ~5 min on SQLite and
# ~10 on PostgreSQL.
bench-province: install translations wrk
	$(PY) bench/run.py --database sqlite $(if $(BENCH_POSTGRES_URL),--database $(BENCH_POSTGRES_URL)) --scale 10 --only admin_opd,admin_ledger --output bench/results-100k $(BENCH_ARGS)
