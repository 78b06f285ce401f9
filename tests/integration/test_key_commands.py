"""`commentsvc keys list|revoke|rotate`, and keys made before they had names."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from commentsvc.extensions import db
from commentsvc.identity import api_key_hash


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def make_key(app, *args):
    result = run(app, "create-key", *args)
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    key_id = int(result.output.split("key ", 1)[1].split()[0])
    return key_id, raw


def works(app, raw):
    response = app.test_client().get("/api/v1/admin/key",
                                     headers={"Authorization": f"Bearer {raw}"})
    return response.status_code == 200


def test_keys_list_shows_names_and_prefixes_never_keys(app):
    key_id, raw = make_key(app, "--site", "default", "--name", "night shift")
    make_key(app, "--all-sites", "--role", "admin", "--label", "ops")
    result = run(app, "keys", "list")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.strip().splitlines()
    assert header.split()[:4] == ["id", "site", "role", "name"]
    mine = next(row for row in rows if row.startswith(f"{key_id} "))
    assert "night shift" in mine and f"{raw[:8]}…" in mine
    assert raw not in result.output
    assert any("(all sites)" in row and "ops" in row for row in rows)


def test_keys_list_for_one_site_leaves_the_others_out(app):
    make_key(app, "--all-sites", "--role", "admin", "--name", "ops")
    make_key(app, "--site", "default", "--name", "desk")
    result = run(app, "keys", "list", "--site", "default")
    assert "desk" in result.output and "ops" not in result.output


def test_keys_revoke_stops_a_key(app):
    key_id, raw = make_key(app, "--site", "default")
    result = run(app, "keys", "revoke", str(key_id))
    assert result.exit_code == 0 and f"revoked key {key_id}" in result.output
    assert not works(app, raw)
    assert "revoked already" in run(app, "keys", "revoke", str(key_id)).output


def test_keys_rotate_prints_the_new_key_alone_on_the_last_line(app):
    key_id, raw = make_key(app, "--site", "default", "--role", "admin", "--name", "desk")
    result = run(app, "keys", "rotate", str(key_id))
    assert result.exit_code == 0, result.output
    new = result.output.strip().splitlines()[-1]
    assert new.startswith("csk_") and " " not in new
    assert works(app, new) and not works(app, raw)


def test_key_commands_name_unknown_keys_in_one_line(app):
    for command in ("revoke", "rotate"):
        result = run(app, "keys", command, "999999")
        assert result.exit_code == 1
        assert result.output.strip() == "Error: no API key 999999"


def test_commands_are_audited_as_the_cli(app):
    key_id, _ = make_key(app, "--site", "default")
    run(app, "keys", "revoke", str(key_id))
    client = app.test_client()
    _, admin = make_key(app, "--site", "default", "--role", "admin")
    entries = client.get("/api/v1/admin/audit", query_string={"site": "default"},
                         headers={"Authorization": f"Bearer {admin}"}).json["entries"]
    assert [(e["action"], e["actor"]) for e in entries[:3]] == [
        ("key_created", "cli"), ("key_revoked", "cli"), ("key_created", "cli")]


def test_a_key_made_before_names_keeps_working_after_the_migration(app, migrated):
    from tests.conftest import reset_database

    secret = app.extensions["commentsvc"].secret_key
    raw = "csk_made-before-key-names-existed-0000000000"
    with app.app_context():
        downgrade(revision="0007")
        db.session.execute(text(
            "INSERT INTO api_key (site_id, role, key_hash, label, created_at) "
            "VALUES (NULL, 'admin', :hash, 'old desk', CURRENT_TIMESTAMP)"),
            {"hash": api_key_hash(secret, raw)})
        db.session.commit()
        upgrade()
    try:
        assert works(app, raw)
        keys = app.test_client().get("/api/v1/admin/keys",
                                     headers={"Authorization": f"Bearer {raw}"}).json["keys"]
        old = next(key for key in keys if key["name"] == "old desk")
        assert old["prefix"] is None and old["last_used_at"] is not None
    finally:
        with app.app_context():
            reset_database(migrated)


def test_key_commands_on_an_unmigrated_database_say_to_run_db_upgrade(tmp_path):
    from tests.integration.test_cli import COMMENTSVC, assert_one_line_refusal
    from tests.integration.test_cli import run as run_command

    for command in (["keys", "list"], ["keys", "revoke", "1"], ["keys", "rotate", "1"]):
        assert_one_line_refusal(run_command([*COMMENTSVC, *command], tmp_path),
                                "commentsvc db upgrade")
