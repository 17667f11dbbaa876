# The production image of qiaolian. web (gunicorn), worker and beat all run from it; see docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=qiaolian.settings

# Pango and HarfBuzz for WeasyPrint; a CJK font (and fontconfig to find it) for Chinese PDFs; pg_dump and
# pg_restore (PostgreSQL 15, as in docker-compose.yml) for `manage.py backup` and `manage.py restore_drill`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system qiaolian \
 && useradd --system --gid qiaolian --home-dir /app --no-create-home --shell /usr/sbin/nologin qiaolian

WORKDIR /app

# The pinned dependencies first, from pyproject.toml alone (no package directories yet, so the wheel is
# empty): a code change then reuses this layer instead of reinstalling everything.
COPY pyproject.toml README.md ./
RUN pip install .

# The code runs from /app (PYTHONPATH above), where settings.BASE_DIR finds templates/, static/, locale/ and
# fixtures/; installing it into site-packages as well would only make a second, unused copy.
COPY . .

# Writable places for the unprivileged user: collected static files, uploads (a volume), beat's schedule.
RUN mkdir -p /app/staticfiles /app/var/media /app/var/beat \
 && chown -R qiaolian:qiaolian /app/staticfiles /app/var

USER qiaolian
EXPOSE 8000

# docker-compose.yml gives each service its own command; this default is the web server.
CMD ["gunicorn", "-c", "python:qiaolian.gunicorn_conf", "qiaolian.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
