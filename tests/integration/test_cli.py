import subprocess
import sys

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Site


def test_create_site_adds_a_site_with_its_origins(app):
    result = app.test_cli_runner().invoke(
        args=["create-site", "news", "--origin", "https://news.example", "--name", "News"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "news"))
        assert site.allowed_origins == ["https://news.example"]
        assert site.name == "News"


def test_create_site_refuses_a_duplicate(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-site", "news"])
    result = runner.invoke(args=["create-site", "news"])
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_create_site_refuses_a_bad_origin(app):
    result = app.test_cli_runner().invoke(args=["create-site", "news", "--origin", "news.example"])
    assert result.exit_code != 0
    assert "is not an origin" in result.output


def test_the_console_script_migrates_and_creates_a_site(tmp_path):
    env = {"COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PATH": ""}
    command = [sys.executable, "-m", "commentsvc.cli"]
    upgrade = subprocess.run([*command, "db", "upgrade"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert upgrade.returncode == 0, upgrade.stderr
    created = subprocess.run([*command, "create-site", "blog", "--origin", "https://b.example"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    assert "created site 'blog'" in created.stdout


def test_create_key_prints_a_working_key_alone_on_the_last_line(app):
    result = app.test_cli_runner().invoke(args=["create-key", "--site", "default",
                                                "--role", "moderator"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("csk_") and " " not in key
    response = app.test_client().get("/api/v1/admin/audit", query_string={"site": "default"},
                                     headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_create_key_for_all_sites(app):
    result = app.test_cli_runner().invoke(args=["create-key", "--all-sites", "--role", "admin"])
    assert result.exit_code == 0
    assert "all sites" in result.output


@pytest.mark.parametrize("args", [[], ["--site", "default", "--all-sites"],
                                  ["--site", "nope"], ["--site", "default", "--role", "god"]])
def test_create_key_refuses_unclear_requests(app, args):
    assert app.test_cli_runner().invoke(args=["create-key", *args]).exit_code != 0


# --- bad configuration and unmigrated databases: one line, exit status 2 ---------------------

COMMENTSVC = [sys.executable, "-m", "commentsvc.cli"]
FLASK = [sys.executable, "-m", "flask", "--app", "commentsvc"]


def run(command: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {"COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PATH": "", **env}
    return subprocess.run(command, env=environment, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)


def assert_one_line_refusal(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("commentsvc: ")
    for word in words:
        assert word in lines[0]


BAD_SETTINGS = {
    "a limit the limiter cannot read": ("COMMENTSVC_RATELIMIT_POST_READER", "garbage"),
    "a boolean that is neither": ("COMMENTSVC_RATELIMIT_ENABLED", "maybe"),
    "a depth out of range": ("COMMENTSVC_DISPLAY_DEPTH", "99"),
    "a negative proxy count": ("COMMENTSVC_TRUSTED_PROXIES", "-1"),
    "no room for any request": ("COMMENTSVC_MAX_REQUEST_BYTES", "0"),
    "an unknown mode": ("COMMENTSVC_ENV", "staging"),
}
COMMANDS = {
    "serve": [*COMMENTSVC, "serve", "--port", "1"],
    "db upgrade": [*COMMENTSVC, "db", "upgrade"],
    "create-site": [*COMMENTSVC, "create-site", "x"],
    "flask create-key": [*FLASK, "create-key", "--all-sites"],
    "help": [*COMMENTSVC, "--help"],
}


@pytest.mark.parametrize("setting", BAD_SETTINGS.values(), ids=BAD_SETTINGS)
def test_a_bad_setting_stops_serve_with_one_line_naming_it(tmp_path, setting):
    name, value = setting
    result = run([*COMMENTSVC, "serve", "--port", "1"], tmp_path, **{name: value})
    assert_one_line_refusal(result, name, repr(value))


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS)
def test_a_bad_setting_stops_every_command_with_one_line(tmp_path, command):
    result = run(command, tmp_path, COMMENTSVC_RATELIMIT_POST_READER="garbage")
    assert_one_line_refusal(result, "COMMENTSVC_RATELIMIT_POST_READER", "'garbage'")


def test_the_message_says_what_is_allowed(tmp_path):
    result = run([*COMMENTSVC, "serve"], tmp_path, COMMENTSVC_DISPLAY_DEPTH="99")
    assert result.stderr.strip() == (
        "commentsvc: COMMENTSVC_DISPLAY_DEPTH must be a whole number from 1 to 10, not '99'")


@pytest.mark.parametrize("secret", [None, "short-secret"], ids=["missing", "too short"])
def test_production_without_a_long_secret_stops_serve_with_one_line(tmp_path, secret):
    env = {"COMMENTSVC_ENV": "production"}
    if secret:
        env["COMMENTSVC_SECRET_KEY"] = secret
    result = run([*COMMENTSVC, "serve", "--port", "1"], tmp_path, **env)
    assert_one_line_refusal(result, "COMMENTSVC_SECRET_KEY")
    assert "short-secret" not in result.stderr


@pytest.mark.parametrize("command", [
    [*COMMENTSVC, "create-site", "x"], [*COMMENTSVC, "create-key", "--all-sites"],
    [*COMMENTSVC, "seed-demo"], [*COMMENTSVC, "serve", "--port", "1"],
    [*FLASK, "create-site", "x"]], ids=["create-site", "create-key", "seed-demo", "serve",
                                        "flask create-site"])
def test_a_command_on_an_unmigrated_database_says_to_run_db_upgrade(tmp_path, command):
    assert_one_line_refusal(run(command, tmp_path), "commentsvc db upgrade")


def test_a_database_behind_the_newest_migration_is_refused_by_serve(tmp_path):
    assert run([*COMMENTSVC, "db", "upgrade", "0005"], tmp_path).returncode == 0
    assert_one_line_refusal(run([*COMMENTSVC, "serve", "--port", "1"], tmp_path),
                            "0005", "commentsvc db upgrade")


def test_an_unreachable_database_is_one_line_too(tmp_path):
    result = run([*COMMENTSVC, "create-site", "x"], tmp_path,
                 COMMENTSVC_DATABASE_URL="postgresql+psycopg://u:hunter2@127.0.0.1:9/x")
    assert_one_line_refusal(result, "cannot reach the database")
    assert "hunter2" not in result.stderr
