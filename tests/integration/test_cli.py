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
