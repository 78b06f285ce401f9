# commentsvc under gunicorn. Build: docker compose build (see docker-compose.yml and the README).
#
# Two stages. `build` has the compilers (for any dependency without a wheel for the platform)
# and makes a virtualenv in /opt/venv with the app installed from /app. The final image gets
# only that virtualenv and /app, at the same paths, runs as a non-root user and has no build
# tools. Both stages use the same base image: the virtualenv links to its Python.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# An editable install keeps the source layout: commentsvc/__init__.py finds the Alembic
# revisions in migrations/ next to the package, which a plain `pip install .` would not copy.
COPY pyproject.toml README.md ./
COPY commentsvc ./commentsvc
COPY migrations ./migrations
RUN pip install --editable .


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

RUN useradd --create-home --uid 10001 --user-group commentsvc
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# The code stays root's (read-only to the service); only instance/ is the service's own.
RUN mkdir -p /app/instance && chown commentsvc:commentsvc /app/instance

USER commentsvc
EXPOSE 8000 8001

# Migrations first, every start: `db upgrade` is a no-op when the schema is current.
# `serve` reads WEB_CONCURRENCY for the number of gunicorn workers.
CMD ["sh", "-c", "commentsvc db upgrade && exec commentsvc serve --host 0.0.0.0 --port 8000"]
