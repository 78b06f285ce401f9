# commentsvc under gunicorn. Build: docker compose build (see docker-compose.yml and the README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group commentsvc
WORKDIR /app

# An editable install keeps the source layout: commentsvc/__init__.py finds the Alembic
# revisions in migrations/ next to the package, which a plain `pip install .` would not copy.
COPY pyproject.toml README.md ./
COPY commentsvc ./commentsvc
COPY migrations ./migrations
RUN pip install --editable . \
    && mkdir -p /app/instance \
    && chown commentsvc:commentsvc /app/instance

USER commentsvc
EXPOSE 8000

# Migrations first, every start: `db upgrade` is a no-op when the schema is current.
# `serve` reads WEB_CONCURRENCY for the number of gunicorn workers.
CMD ["sh", "-c", "commentsvc db upgrade && exec commentsvc serve --host 0.0.0.0 --port 8000"]
