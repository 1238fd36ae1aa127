# Everyday verbs. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench bench-quick lint fmt install clean-venv screenshots messages system-packages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(MAKE) --no-print-directory system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[server,dev]"
	@touch $@

# The demo: a simulated IP Office on port 6001, the capture reading it, and the web
# server; Ctrl-C stops all three. The trap removes itself before `kill 0`, which signals
# this shell too: a trap that ran again on its own TERM recursed until bash crashed
# ("Segmentation fault"). The capture starts once the simulated IP Office listens.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py pbx_simulator --family avaya-ipoffice --port 6001 --rate 0.2 & \
	$(BIN)/python manage.py pbx_simulator --family mitel-5000 --port 6002 --rate 0.2 & \
	$(BIN)/python -m pbxsim.wait 6001; \
	$(BIN)/python manage.py capture & \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest

# Screenshots of the main pages for docs/reports.md, taken in headless Chromium
# from the demo organization.
screenshots: install
	$(BIN)/python -m pytest tests/browser -q -k screenshots --screenshots

bench: install
	$(BIN)/python -m bench

# The same benchmarks at sizes a developer waits for (each in about a minute); the
# figures are for spotting a regression, not the aims' (those are `make bench`'s). The
# reports and trunks stores go to databases of their own, so the full-size ones stay.
QUICK := BENCH_PARSE_RECORDS=50000 BENCH_INGEST_RECORDS=10000 BENCH_BASELINE_RECORDS=1000 \
	BENCH_AGENT_RECORDS=5000 BENCH_CAPTURE_SOURCES=20 BENCH_CAPTURE_RECORDS=20 \
	BENCH_DBPULL_ROWS=2000 BENCH_RATING_CALLS=100000 BENCH_DECK_PREFIXES=20000 \
	BENCH_RERATE_CALLS=50000 BENCH_CREDIT_CALLS=500 BENCH_ALERTS_RECORDS=5000 \
	BENCH_ALERTS_ROUNDS=1 BENCH_SAVED_CALLS=20000 BENCH_RECONCILE_SOURCES=50 \
	BENCH_REPORTS_CALLS=200000 \
	BENCH_REPORTS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tarificador_bench_reports_quick \
	BENCH_TRUNKS_CALLS=300000 \
	BENCH_TRUNKS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tarificador_bench_trunks_quick
bench-quick: install
	$(QUICK) $(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# python-ldap (directory sign-in, django-auth-ldap) compiles against OpenLDAP's and
# SASL's headers: installed from Debian's packages when missing and we may, else named.
LDAP_HEADERS := /usr/include/ldap.h /usr/include/sasl/sasl.h
system-packages:
	@for header in $(LDAP_HEADERS); do test -f $$header || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing OpenLDAP's and SASL's headers (libldap2-dev libsasl2-dev) for python-ldap"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends libldap2-dev libsasl2-dev >/dev/null; \
		else \
			echo "python-ldap needs OpenLDAP's and SASL's headers: install libldap2-dev and" \
				"libsasl2-dev (Debian, Ubuntu) or openldap-devel and cyrus-sasl-devel (Fedora)," \
				"then run make again." >&2; \
			exit 1; \
		fi; \
	fi

clean-venv:
	rm -rf $(VENV)

# The Spanish and Portuguese catalogs: gather the marked strings into locale/*/django.po
# (translate what is new; docs/glossary.md), then compile the .mo files Django reads.
messages: install
	$(BIN)/python manage.py makemessages --no-obsolete --no-location --locale=es --locale=pt_BR \
		--ignore='tests/*' --ignore='bench/*' --ignore='.venv/*' --ignore='var/*' \
		--ignore='docs/*' --ignore='agent/*' --ignore='pbxsim/*'
	$(BIN)/python manage.py compilemessages --ignore='.venv/*'
