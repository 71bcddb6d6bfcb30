# The two commands: `make run` and `make test`. Everything else is for development.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format check messages bench bench-wxr loadtest lighthouse clean

install: $(STAMP)

$(STAMP): pyproject.toml scripts/make_venv.py
	$(PYTHON) scripts/make_venv.py $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Mails, feeds and the sitemap name the address the server listens on, unless
# DJANGO_SITE_DOMAIN says otherwise: migrate keeps the Sites row at it, the worker reads it.
run serve: export DJANGO_SITE_DOMAIN ?= $(HOST):$(PORT)

# The web server and one task worker (mail goes out from the worker); Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/with_worker.py \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production mode on this machine: collectstatic (hashed, compressed), migrate, gunicorn
# (gunicorn.conf.py) on http://$(HOST):$(PORT)/ with JSON logs, and one task worker. HTTPS
# settings stay off unless DJANGO_HTTPS=1; without DJANGO_SECRET_KEY a throwaway key is made
# for this run.
serve: install
	@export DJANGO_PRODUCTION=1 DJANGO_HTTPS=$${DJANGO_HTTPS:-0} \
	  DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}"; \
	$(BIN)/python manage.py collectstatic --noinput -v 1 && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_demo --if-empty && \
	exec $(BIN)/python scripts/with_worker.py $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The translation catalogs (locale/<language>/LC_MESSAGES/django.po, then .mo): picks up every
# marked string in the code and templates; new entries come out empty for a translator
# (tests/test_i18n.py fails until each is translated). Every language under locale/, or
# MESSAGE_LOCALES="it" to start a new one. Needs gettext (xgettext, msgmerge, msgfmt).
MESSAGE_LOCALES ?= $(notdir $(wildcard locale/*))
MESSAGE_IGNORE := -i .venv -i staticfiles -i node_modules -i tests -i tools -i media -i locale
messages: install
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(MESSAGE_LOCALES)) $(MESSAGE_IGNORE) \
	  --no-obsolete --add-location file
	$(BIN)/python manage.py compilemessages $(addprefix -l ,$(MESSAGE_LOCALES)) $(MESSAGE_IGNORE)

# The measuring instruments live in tools/ (tools/README.md says what each prints).
bench: install
	$(BIN)/python tools/bench.py --digests $${DIGESTS:-200}

bench-wxr: install
	$(BIN)/python tools/bench_wxr.py $(BENCH_WXR_ARGS)

# gunicorn (2 workers) on PostgreSQL under wrk, uncached and cached: see tools/README.md.
loadtest: install
	$(BIN)/python tools/loadtest.py $(LOADTEST_ARGS)

# Lighthouse's four scores per reader page under gunicorn (needs npm; see tools/README.md).
lighthouse: install
	$(BIN)/python tools/lighthouse/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
