"""docker-compose.yml and the Dockerfile agree with the documented configuration.

No container engine runs where these tests run, so nothing is built or started: the files are
parsed (compose with PyYAML, the Dockerfile line by line) and checked against what the service
really reads. Each check is a function returning the problems it finds; the tests at the end
feed it broken copies of the files to show that it does find them.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from commentsvc.config import check_settings, settings_from_env

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")
REQUIRED_APP_VARIABLES = {"COMMENTSVC_ENV", "COMMENTSVC_SECRET_KEY", "COMMENTSVC_DATABASE_URL",
                          "COMMENTSVC_RATELIMIT_STORAGE_URI"}
# Settings the app reads that compose neither sets nor passes through from the operator's
# environment, on purpose; every other one must be in the app's `environment`.
LEFT_TO_THE_DEFAULT = {
    "COMMENTSVC_RATELIMIT_ENABLED": "limits stay on in a deployment: switching them off is for "
                                    "benchmarks and bulk imports on a developer's machine",
}


# --- reading the files ---------------------------------------------------------------------

def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, args = whole.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def load_dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text())


def variables_the_service_reads() -> set[str]:
    """Derived by calling settings_from_env with an environment that records each lookup."""

    class Recorder(dict):
        def __init__(self) -> None:
            super().__init__()
            self.asked: set[str] = set()

        def get(self, key: str, default: Any = None) -> Any:
            self.asked.add(key)
            return default

    recorder = Recorder()
    settings_from_env(recorder)
    return recorder.asked


def _environment_entries(service: dict[str, Any]) -> dict[str, str | None]:
    """Compose's environment; None for a name without a value (passed through from the
    operator's environment when set there, else left unset in the container)."""
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "NAME=value" (or bare "NAME") list form
        env = dict([*item.split("=", 1), None][:2] for item in env)
    return {str(k): None if v is None else str(v) for k, v in env.items()}


def environment(service: dict[str, Any]) -> dict[str, str]:
    """The variables compose sets, with their (uninterpolated) values."""
    return {k: v for k, v in _environment_entries(service).items() if v is not None}


def passed_through(service: dict[str, Any]) -> set[str]:
    return {k for k, v in _environment_entries(service).items() if v is None}


def interpolations(text: str) -> Iterator[re.Match[str]]:
    yield from INTERPOLATION.finditer(text.replace("$$", ""))


def resolve(value: str, given: dict[str, str]) -> str:
    """Compose's interpolation, with `given` standing in for the operator's environment."""
    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in given and (given[name] or not (op or "").startswith(":")):
            return given[name]
        if op in {"?", ":?"}:
            raise KeyError(f"{name} is required: {arg}")
        return arg if op in {"-", ":-"} else ""
    return INTERPOLATION.sub(substitute, value)


def operator_environment(compose_text: str) -> dict[str, str]:
    """A value for every variable the compose file requires (the ${NAME:?...} ones)."""
    return {m["name"]: f"test-{m['name'].lower()}-value"
            for m in interpolations(compose_text) if m["op"] in {"?", ":?"}}


def app_command(compose: dict[str, Any], dockerfile: list[tuple[str, str]]) -> str:
    """The shell command the app container runs: compose's `command`, else the Dockerfile's CMD."""
    command = compose["services"]["app"].get("command")
    if command is None:
        command = next(args for keyword, args in reversed(dockerfile) if keyword == "CMD")
        command = json.loads(command) if command.startswith("[") else command
    if isinstance(command, list):
        if command[:2] in (["sh", "-c"], ["/bin/sh", "-c"]):
            return command[2]
        return shlex.join(command)
    return command


# --- the checks ----------------------------------------------------------------------------

def services_problems(compose: dict[str, Any]) -> list[str]:
    problems = []
    services = compose.get("services", {})
    for name in ("app", "db", "redis"):
        if name not in services:
            problems.append(f"no {name} service")
    if problems:
        return problems
    app = services["app"]
    if app.get("build") not in (".", {"context": "."}):
        problems.append("the app is not built from the Dockerfile at the repo root")
    if not str(services["db"].get("image", "")).startswith("postgres:"):
        problems.append("db is not a postgres image")
    if not str(services["redis"].get("image", "")).startswith("redis:"):
        problems.append("redis is not a redis image")
    depends = app.get("depends_on") or {}
    for name in ("db", "redis"):
        condition = depends.get(name, {}).get("condition") if isinstance(depends, dict) else None
        if condition != "service_healthy":
            problems.append(f"app does not wait for {name} to be healthy")
    checks = {"app": "/healthz", "db": "pg_isready", "redis": "redis-cli ping"}
    for name, expected in checks.items():
        test = services[name].get("healthcheck", {}).get("test", [])
        text = " ".join(test) if isinstance(test, list) else str(test)
        if expected not in text:
            problems.append(f"{name}'s healthcheck does not use {expected}")
    return problems


def environment_problems(compose: dict[str, Any], compose_text: str) -> list[str]:
    problems = []
    env = environment(compose["services"]["app"])
    given = env.keys() | passed_through(compose["services"]["app"])
    read = variables_the_service_reads()
    for name in sorted(n for n in given if n.startswith("COMMENTSVC_")):
        if name not in read:
            problems.append(f"{name} is set but commentsvc.config.settings_from_env never reads it")
    for name in sorted(read - given - LEFT_TO_THE_DEFAULT.keys()):
        problems.append(f"{name} is read by the service but neither set nor passed through by "
                        "compose, nor in LEFT_TO_THE_DEFAULT with a reason")
    for name in sorted(LEFT_TO_THE_DEFAULT.keys() & given):
        problems.append(f"{name} is in LEFT_TO_THE_DEFAULT but compose gives it")
    for name in sorted(REQUIRED_APP_VARIABLES - env.keys()):
        problems.append(f"{name} is not set for the app")
    if env.get("COMMENTSVC_ENV") != "production":
        problems.append("COMMENTSVC_ENV is not production")
    try:
        resolved = {k: resolve(v, operator_environment(compose_text)) for k, v in env.items()}
        check_settings(settings_from_env(resolved))
    except Exception as exc:  # the settings the app would start with are refused
        problems.append(f"the app's environment is refused: {exc}")
    return problems


def secret_problems(compose: dict[str, Any], compose_text: str) -> list[str]:
    """Secrets come from the operator's environment, required, never with a default."""
    problems = []
    for match in interpolations(compose_text):
        if SECRET_NAME.search(match["name"]) and match["op"] not in {"?", ":?"}:
            problems.append(f"${{{match['name']}}} may be empty or defaulted; use "
                            f"${{{match['name']}:?...}}")
    for service_name, service in compose["services"].items():
        for name, value in environment(service).items():
            if SECRET_NAME.search(name) and not INTERPOLATION.fullmatch(value):
                problems.append(f"{service_name}: {name} is written into the file")
    given = operator_environment(compose_text)
    url = environment(compose["services"]["app"]).get("COMMENTSVC_DATABASE_URL", "")
    password = urlsplit(resolve(url, given)).password
    if password is not None and password not in given.values():
        problems.append("the database URL carries a password written into the file")
    return problems


def url_problems(compose: dict[str, Any], compose_text: str) -> list[str]:
    problems = []
    given = operator_environment(compose_text)
    services = compose["services"]
    app_env = {k: resolve(v, given) for k, v in environment(services["app"]).items()}
    db_env = {k: resolve(v, given) for k, v in environment(services["db"]).items()}

    database = urlsplit(app_env.get("COMMENTSVC_DATABASE_URL", ""))
    if database.scheme != "postgresql+psycopg":
        problems.append(f"database URL scheme is {database.scheme!r}, not postgresql+psycopg")
    if database.hostname not in services:
        problems.append(f"database host {database.hostname!r} is not a compose service")
    elif not str(services[database.hostname].get("image", "")).startswith("postgres:"):
        problems.append(f"database host {database.hostname!r} is not the postgres service")
    if (database.port or 5432) != 5432:
        problems.append(f"database port {database.port} is not PostgreSQL's 5432")
    if database.path.lstrip("/") != db_env.get("POSTGRES_DB", "postgres"):
        problems.append("the database name differs from the db service's POSTGRES_DB")
    if database.username != db_env.get("POSTGRES_USER", "postgres"):
        problems.append("the database user differs from the db service's POSTGRES_USER")
    if database.password != db_env.get("POSTGRES_PASSWORD"):
        problems.append("the database password differs from the db service's POSTGRES_PASSWORD")

    redis = urlsplit(app_env.get("COMMENTSVC_RATELIMIT_STORAGE_URI", ""))
    if redis.scheme != "redis":
        problems.append(f"rate-limit storage scheme is {redis.scheme!r}, not redis")
    if redis.hostname not in services:
        problems.append(f"redis host {redis.hostname!r} is not a compose service")
    elif not str(services[redis.hostname].get("image", "")).startswith("redis:"):
        problems.append(f"redis host {redis.hostname!r} is not the redis service")
    if (redis.port or 6379) != 6379:
        problems.append(f"redis port {redis.port} is not 6379")
    return problems


def bind_of(command: str) -> tuple[str | None, int | None]:
    """Host and port the server binds, from `commentsvc serve` or gunicorn options."""
    serving = command.split("&&")[-1]
    tokens = shlex.split(serving)
    host = port = None
    for i, token in enumerate(tokens[:-1]):
        value = tokens[i + 1]
        if token == "--host":
            host = value
        elif token == "--port":
            port = int(value)
        elif token in {"--bind", "-b"}:
            host, _, raw_port = value.rpartition(":")
            port = int(raw_port)
    for token in tokens:
        if token.startswith("--bind="):
            host, _, raw_port = token.removeprefix("--bind=").rpartition(":")
            port = int(raw_port)
    return host, port


def port_problems(compose: dict[str, Any], dockerfile: list[tuple[str, str]]) -> list[str]:
    problems = []
    exposed = {int(p.split("/")[0]) for keyword, args in dockerfile if keyword == "EXPOSE"
               for p in args.split()}
    host, port = bind_of(app_command(compose, dockerfile))
    if port is None:
        problems.append("the server command does not name its port")
    elif port not in exposed:
        problems.append(f"the server binds port {port} but the Dockerfile exposes {exposed}")
    if host not in {"0.0.0.0", "::", "[::]"}:
        problems.append(f"the server binds {host!r}: unreachable from outside the container")
    app = compose["services"]["app"]
    published = [str(p).rsplit(":", 1)[-1].split("/")[0] for p in app.get("ports", [])]
    if str(port) not in published:
        problems.append(f"compose publishes container ports {published}, not {port}")
    test = " ".join(app.get("healthcheck", {}).get("test", []))
    if f":{port}/healthz" not in test:
        problems.append("the app healthcheck does not ask the served port")
    return problems


def startup_problems(compose: dict[str, Any], dockerfile: list[tuple[str, str]]) -> list[str]:
    command = app_command(compose, dockerfile)
    steps = [step.strip() for step in command.split("&&")]
    upgrade = next((i for i, s in enumerate(steps) if re.search(r"\bdb upgrade\b", s)), None)
    serve = next((i for i, s in enumerate(steps)
                  if re.search(r"\bcommentsvc serve\b|\bgunicorn\b", s)), None)
    if upgrade is None:
        return [f"migrations are not applied on start: {command!r}"]
    if serve is None:
        return [f"the app command does not start the server: {command!r}"]
    if upgrade > serve:
        return ["the server starts before the migrations run"]
    if ";" in command:
        return ["a failed migration would not stop the start (use && between the steps)"]
    return []


def stages(dockerfile: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each starting with its FROM."""
    found: list[list[tuple[str, str]]] = []
    for keyword, args in dockerfile:
        if keyword == "FROM" or not found:
            found.append([])
        found[-1].append((keyword, args))
    return found


def stage_args(stage: list[tuple[str, str]], wanted: str) -> list[str]:
    return [args for keyword, args in stage if keyword == wanted]


COMPILERS = re.compile(r"\b(apt-get install|apk add|gcc|g\+\+|build-essential|make)\b")


def image_problems(dockerfile: list[tuple[str, str]], ignore: str) -> list[str]:
    problems = []
    every = stages(dockerfile)
    final = every[-1] if every else []
    bases = [stage_args(stage, "FROM")[0].split()[0] for stage in every if stage]
    if not bases or bases[-1] != "python:3.11-slim":
        problems.append(f"the final image is based on {bases[-1:]}, not python:3.11-slim")
    if len(set(bases)) > 1:
        problems.append(f"the stages use different bases {bases}: the virtualenv made in one "
                        "links to the Python of its own")
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(x) for x in re.search(r">=\s*(\d+\.\d+)", requires)[1].split("."))
    for base in bases:
        version = re.search(r"python:(\d+)\.(\d+)", base)
        if version and tuple(int(x) for x in version.groups()) < minimum:
            problems.append(f"base image {base} is older than requires-python {requires}")
    users = stage_args(final, "USER")
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("the image runs as root")
    problems += _build_stage_problems(every)
    if len(every) < 2:
        problems.append("a single stage: the build tools stay in the image")
    for args in stage_args(final, "RUN"):
        if COMPILERS.search(args) or re.search(r"\bpip install\b", args):
            problems.append(f"the final stage builds or installs ({args[:60]}…): "
                            "only the build stage may")
    if "8000" not in " ".join(stage_args(final, "EXPOSE")):
        problems.append("the Dockerfile does not expose 8000")
    patterns = [line.strip().rstrip("/") for line in ignore.splitlines()
                if line.strip() and not line.startswith("#")]
    for needed in ("commentsvc", "migrations", "pyproject.toml", "README.md"):
        if needed in patterns or "*" in patterns:
            problems.append(f".dockerignore leaves {needed} out of the build context")
    return problems


def _build_stage_problems(every: list[list[tuple[str, str]]]) -> list[str]:
    """The app is installed in place in a build stage whose venv and source the final stage
    copies to the same paths (the editable install and the venv's scripts name them)."""
    problems = []
    build = every[:-1]
    copied = " ".join(args for stage in build for args in stage_args(stage, "COPY"))
    for needed in ("commentsvc", "migrations", "pyproject.toml"):
        if needed not in copied:
            problems.append(f"{needed} is not copied into the build stage")
    runs = " ".join(args for stage in build for args in stage_args(stage, "RUN"))
    # commentsvc/__init__.py looks for migrations/ beside the package: only an install that
    # leaves the package where it was copied keeps that true.
    if not re.search(r"pip install (--editable|-e) \.", runs):
        problems.append("the package is not installed in place (pip install --editable .)")
    venv = re.search(r"python3? -m venv (\S+)", runs)
    workdirs = [args for stage in build for args in stage_args(stage, "WORKDIR")]
    wanted = [path for path in (venv[1] if venv else None, workdirs[-1] if workdirs else None)
              if path]
    if len(wanted) < 2:
        problems.append("the build stage makes no virtualenv or has no WORKDIR for the app")
    from_build = [args.split()[1:] for args in stage_args(every[-1], "COPY")
                  if args.startswith("--from=")]
    for path in wanted:
        if [path, path] not in from_build:
            problems.append(f"the final stage does not copy {path} from the build stage "
                            "to the same path")
    return problems


# --- the real files ------------------------------------------------------------------------

def test_compose_runs_the_app_with_postgres_and_redis_and_waits_for_them_to_be_healthy():
    assert services_problems(load_compose()) == []


def test_every_commentsvc_variable_compose_sets_is_read_by_the_service():
    assert environment_problems(load_compose(), COMPOSE.read_text()) == []


def test_compose_runs_in_production_mode_with_no_secret_default():
    compose = load_compose()
    assert environment(compose["services"]["app"])["COMMENTSVC_ENV"] == "production"
    assert secret_problems(compose, COMPOSE.read_text()) == []


def test_database_and_redis_urls_point_at_the_compose_services():
    assert url_problems(load_compose(), COMPOSE.read_text()) == []


def test_app_port_matches_the_dockerfile_expose_and_the_server_bind():
    assert port_problems(load_compose(), load_dockerfile()) == []


def test_migrations_are_applied_before_the_server_starts():
    assert startup_problems(load_compose(), load_dockerfile()) == []


def test_image_is_two_stages_slim_non_root_with_migrations_beside_the_package():
    assert image_problems(load_dockerfile(), DOCKERIGNORE.read_text()) == []


def test_compose_refuses_to_start_without_the_secrets():
    text = COMPOSE.read_text()
    env = environment(load_compose()["services"]["app"])
    with pytest.raises(KeyError, match="COMMENTSVC_SECRET_KEY"):
        resolve(env["COMMENTSVC_SECRET_KEY"], {})
    assert "COMMENTSVC_SECRET_KEY" in operator_environment(text)


def test_every_setting_the_service_reads_is_set_passed_through_or_left_to_its_default():
    compose = load_compose()
    assert environment_problems(compose, COMPOSE.read_text()) == []
    given = environment(compose["services"]["app"]).keys()
    given |= passed_through(compose["services"]["app"])
    assert variables_the_service_reads() <= given | LEFT_TO_THE_DEFAULT.keys()


def test_the_variables_the_service_reads_are_derived_from_settings_from_env():
    read = variables_the_service_reads()
    assert {"COMMENTSVC_SECRET_KEY", "COMMENTSVC_DATABASE_URL"} <= read
    assert all(name.startswith("COMMENTSVC_") for name in read)


# --- the checks find what they are for ------------------------------------------------------

def with_app_env(compose: dict[str, Any], **changes: str | None) -> dict[str, Any]:
    broken = copy.deepcopy(compose)
    env = broken["services"]["app"]["environment"]
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return broken


ENVIRONMENT_BREAKAGES = {
    "an unknown variable": {"COMMENTSVC_WORKERS": "4"},
    "a setting compose forgets": {"COMMENTSVC_RETENTION_DAYS": None},
    "a setting left to its default, given": {"COMMENTSVC_RATELIMIT_ENABLED": "false"},
    "development mode": {"COMMENTSVC_ENV": "development"},
    "no secret": {"COMMENTSVC_SECRET_KEY": None},
    "no rate-limit storage": {"COMMENTSVC_RATELIMIT_STORAGE_URI": None},
    "an unreadable number": {"COMMENTSVC_TRUSTED_PROXIES": "one"},
}


@pytest.mark.parametrize("changes", ENVIRONMENT_BREAKAGES.values(), ids=ENVIRONMENT_BREAKAGES)
def test_environment_check_finds_a_broken_app_environment(changes):
    broken = with_app_env(load_compose(), **changes)
    assert environment_problems(broken, yaml.safe_dump(broken))


SECRET_BREAKAGES = {
    "a defaulted secret": "${COMMENTSVC_SECRET_KEY:-change-me}",
    "an optional secret": "${COMMENTSVC_SECRET_KEY}",
    "a literal secret": "s3cret-in-the-repo",
}


@pytest.mark.parametrize("value", SECRET_BREAKAGES.values(), ids=SECRET_BREAKAGES)
def test_secret_check_finds_a_secret_with_a_default(value):
    broken = with_app_env(load_compose(), COMMENTSVC_SECRET_KEY=value)
    assert secret_problems(broken, yaml.safe_dump(broken))


PG = "postgresql+psycopg://commentsvc:${POSTGRES_PASSWORD:?x}"
URL_BREAKAGES = {
    "database on localhost": ("COMMENTSVC_DATABASE_URL", f"{PG}@localhost:5432/commentsvc"),
    "database without psycopg": ("COMMENTSVC_DATABASE_URL",
                                 "postgresql://commentsvc:${POSTGRES_PASSWORD:?x}@db/commentsvc"),
    "another database name": ("COMMENTSVC_DATABASE_URL", f"{PG}@db:5432/other"),
    "another password": ("COMMENTSVC_DATABASE_URL",
                         "postgresql+psycopg://commentsvc:${APP_DB_PASSWORD:?x}@db/commentsvc"),
    "redis on localhost": ("COMMENTSVC_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0"),
    "redis pointed at postgres": ("COMMENTSVC_RATELIMIT_STORAGE_URI", "redis://db:6379/0"),
    "in-memory limits": ("COMMENTSVC_RATELIMIT_STORAGE_URI", "memory://"),
}


@pytest.mark.parametrize("name_value", URL_BREAKAGES.values(), ids=URL_BREAKAGES)
def test_url_check_finds_urls_that_miss_the_compose_services(name_value):
    name, value = name_value
    broken = with_app_env(load_compose(), **{name: value})
    assert url_problems(broken, yaml.safe_dump(broken))


SERVE = "commentsvc serve --host 0.0.0.0 --port 8000"
COMMAND_BREAKAGES = {
    "serving without migrating": SERVE,
    "migrating after serving": f"{SERVE} && commentsvc db upgrade",
    "a failed migration ignored": f"commentsvc db upgrade; {SERVE}",
}


@pytest.mark.parametrize("command", COMMAND_BREAKAGES.values(), ids=COMMAND_BREAKAGES)
def test_startup_check_finds_a_server_that_starts_before_migrations(command):
    broken = copy.deepcopy(load_compose())
    broken["services"]["app"]["command"] = ["sh", "-c", command]
    assert startup_problems(broken, load_dockerfile())


GUNICORN = "exec gunicorn 'commentsvc:create_app()'"
PORT_BREAKAGES = {
    "another port": "commentsvc db upgrade && exec commentsvc serve --host 0.0.0.0 --port 9000",
    "loopback only": "commentsvc db upgrade && exec commentsvc serve --port 8000",
    "gunicorn elsewhere": f"commentsvc db upgrade && {GUNICORN} -b 0.0.0.0:5000",
}


@pytest.mark.parametrize("command", PORT_BREAKAGES.values(), ids=PORT_BREAKAGES)
def test_port_check_finds_a_server_bound_where_nothing_points(command):
    broken = copy.deepcopy(load_compose())
    broken["services"]["app"]["command"] = ["sh", "-c", command]
    assert port_problems(broken, load_dockerfile())


def test_port_check_accepts_gunicorn_bound_to_the_exposed_port():
    compose = copy.deepcopy(load_compose())
    compose["services"]["app"]["command"] = [
        "sh", "-c", f"commentsvc db upgrade && {GUNICORN} --bind=0.0.0.0:8000"]
    assert port_problems(compose, load_dockerfile()) == []
    assert startup_problems(compose, load_dockerfile()) == []


def test_services_check_finds_an_app_that_does_not_wait_for_the_database():
    broken = copy.deepcopy(load_compose())
    broken["services"]["app"]["depends_on"] = ["db", "redis"]
    assert services_problems(broken)


DOCKERFILE_BREAKAGES = {
    "root user": ("USER commentsvc", "USER root"),
    "site-packages install": ("pip install --editable .", "pip install ."),
    "no migrations": ("COPY migrations ./migrations", ""),
    "another base": ("FROM python:3.11-slim\n", "FROM python:3.10\n"),
    "another Python in the build stage": ("FROM python:3.11-slim AS build",
                                          "FROM python:3.12-slim AS build"),
    "compilers in the final image": ("USER commentsvc",
                                     "RUN apt-get update && apt-get install -y gcc\n"
                                     "USER commentsvc"),
    "an install in the final image": ("USER commentsvc", "RUN pip install gunicorn\n"
                                                         "USER commentsvc"),
    "the venv left behind": ("COPY --from=build /opt/venv /opt/venv", ""),
    "the app moved": ("COPY --from=build /app /app", "COPY --from=build /app /srv/app"),
}


@pytest.mark.parametrize("old_new", DOCKERFILE_BREAKAGES.values(), ids=DOCKERFILE_BREAKAGES)
def test_image_check_finds_a_broken_dockerfile(old_new):
    old, new = old_new
    text = DOCKERFILE.read_text()
    assert old in text, "the breakage no longer applies to the Dockerfile; update this test"
    broken = dockerfile_instructions(text.replace(old, new))
    assert image_problems(broken, DOCKERIGNORE.read_text())


def test_image_check_finds_a_single_stage_image():
    text = DOCKERFILE.read_text()
    final = text[text.rindex("FROM python:3.11-slim"):]
    assert image_problems(dockerfile_instructions(final), DOCKERIGNORE.read_text())


def test_image_check_finds_migrations_left_out_of_the_build_context():
    assert image_problems(load_dockerfile(), DOCKERIGNORE.read_text() + "\nmigrations/\n")
