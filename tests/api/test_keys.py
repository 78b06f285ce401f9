"""API keys: names, last use, listing, revoking and rotating, and the audit of keys and sites."""

import pytest

from commentsvc.extensions import db
from commentsvc.keys import create_key
from commentsvc.sites import SiteSettings, get_site
from tests.api.admin_support import bearer, keys  # noqa: F401

KEYS = "/api/v1/admin/keys"


def new_key(client, admin, site="default", **body):
    response = client.post(f"/api/v1/admin/sites/{site}/keys",
                           json={"role": "moderator", **body}, headers=bearer(admin))
    assert response.status_code == 201, response.json
    return response.json


def listed(client, admin, path=KEYS):
    return {key["id"]: key for key in client.get(path, headers=bearer(admin)).json["keys"]}


def audit(client, admin, site="default"):
    query = {"site": site} if site else {}
    response = client.get("/api/v1/admin/audit", query_string=query, headers=bearer(admin))
    assert response.status_code == 200, response.json
    return response.json["entries"]


def actor(client, key):
    return client.get("/api/v1/admin/key", headers=bearer(key)).json["actor"]


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def works(client, key):
    return client.get("/api/v1/admin/key", headers=bearer(key)).status_code == 200


# --- names and listing ---------------------------------------------------------------------

def test_a_new_key_has_a_name_and_is_shown_once(client, keys):  # noqa: F811
    made = new_key(client, keys.admin, name="night shift")
    assert made["name"] == "night shift" and made["key"].startswith("csk_")
    assert made["prefix"] == made["key"][:8]
    shown = listed(client, keys.admin)[made["id"]]
    assert "key" not in shown
    assert made["key"] not in str(shown)
    assert shown["name"] == "night shift" and shown["last_used_at"] is None


def test_the_old_label_field_still_names_a_key(client, keys):  # noqa: F811
    made = new_key(client, keys.admin, label="from an old script")
    assert made["name"] == made["label"] == "from an old script"


def test_a_site_admin_lists_only_its_sites_keys(client, keys):  # noqa: F811
    mine = listed(client, keys.admin)
    assert {key["site"] for key in mine.values()} == {"default"}
    assert listed(client, keys.admin, "/api/v1/admin/sites/default/keys") == mine


def test_an_all_sites_admin_lists_every_key_with_the_all_sites_ones(client, keys):  # noqa: F811
    sites = [key["site"] for key in listed(client, keys.global_admin).values()]
    assert sorted(sites, key=str) == sorted(["default", "default", "other", "other", None],
                                            key=str)


def test_a_site_admin_cannot_list_another_sites_keys(client, keys):  # noqa: F811
    response = client.get("/api/v1/admin/sites/other/keys", headers=bearer(keys.admin))
    assert response.status_code == 403


# --- last use ------------------------------------------------------------------------------

def test_last_use_is_noted_at_most_once_a_minute(client, clock, keys):  # noqa: F811
    made = new_key(client, keys.global_admin)
    first = clock()
    assert works(client, made["key"])
    clock.advance(seconds=59)
    assert works(client, made["key"])
    seen = listed(client, keys.global_admin)[made["id"]]["last_used_at"]
    assert seen == iso(first)
    clock.advance(seconds=1)
    assert works(client, made["key"])
    later = listed(client, keys.global_admin)[made["id"]]["last_used_at"]
    assert later == iso(clock())


def test_noting_last_use_writes_only_when_a_minute_has_passed(app, clock, keys):  # noqa: F811
    from commentsvc.keys import touch
    from commentsvc.models import ApiKey

    with app.app_context():
        key = db.session.scalars(db.select(ApiKey)).first()
        assert touch(db.session, key, clock())
        clock.advance(seconds=30)
        assert not touch(db.session, key, clock())
        clock.advance(seconds=30)
        assert touch(db.session, key, clock())


# --- revoking ------------------------------------------------------------------------------

def test_a_revoked_key_stops_working_at_once(client, keys):  # noqa: F811
    made = new_key(client, keys.admin)
    assert works(client, made["key"])
    response = client.delete(f"{KEYS}/{made['id']}", headers=bearer(keys.admin))
    assert response.status_code == 204
    after = client.get("/api/v1/admin/audit", query_string={"site": "default"},
                       headers=bearer(made["key"]))
    assert after.status_code == 401
    assert listed(client, keys.admin)[made["id"]]["revoked_at"] is not None


def test_revoking_twice_changes_nothing_more(client, keys):  # noqa: F811
    made = new_key(client, keys.admin)
    for _ in range(2):
        assert client.delete(f"{KEYS}/{made['id']}", headers=bearer(keys.admin)).status_code == 204
    revoked = [e for e in audit(client, keys.admin) if e["action"] == "key_revoked"]
    assert len(revoked) == 1


def test_a_key_cannot_revoke_itself(client, keys):  # noqa: F811
    own = int(actor(client, keys.admin).removeprefix("key:"))
    response = client.delete(f"{KEYS}/{own}", headers=bearer(keys.admin))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "own_key"
    assert works(client, keys.admin)


def test_a_site_admin_cannot_revoke_a_key_for_all_sites(client, keys):  # noqa: F811
    everywhere = int(actor(client, keys.global_admin).removeprefix("key:"))
    response = client.delete(f"{KEYS}/{everywhere}", headers=bearer(keys.admin))
    assert response.status_code == 403
    assert works(client, keys.global_admin)


def test_an_unknown_key_is_404(client, keys):  # noqa: F811
    response = client.delete(f"{KEYS}/999999", headers=bearer(keys.global_admin))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "key_not_found"


# --- rotating ------------------------------------------------------------------------------

def test_rotating_gives_a_new_key_once_and_revokes_the_old(client, keys):  # noqa: F811
    old = new_key(client, keys.admin, name="newsroom", role="admin")
    response = client.post(f"{KEYS}/{old['id']}/rotate", headers=bearer(keys.admin))
    assert response.status_code == 201
    new = response.json
    assert new["replaces"] == old["id"] and new["id"] != old["id"]
    assert (new["site"], new["role"], new["name"]) == ("default", "admin", "newsroom")
    assert works(client, new["key"]) and not works(client, old["key"])
    assert "key" not in listed(client, keys.admin)[new["id"]]


def test_a_key_may_rotate_itself(client, keys):  # noqa: F811
    own = int(actor(client, keys.admin).removeprefix("key:"))
    response = client.post(f"{KEYS}/{own}/rotate", headers=bearer(keys.admin))
    assert response.status_code == 201
    assert works(client, response.json["key"]) and not works(client, keys.admin)


def test_a_revoked_key_cannot_be_rotated(client, keys):  # noqa: F811
    made = new_key(client, keys.admin)
    client.delete(f"{KEYS}/{made['id']}", headers=bearer(keys.admin))
    response = client.post(f"{KEYS}/{made['id']}/rotate", headers=bearer(keys.admin))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "key_revoked"


# --- the audit log -------------------------------------------------------------------------

def test_creating_revoking_and_rotating_a_key_are_audited_with_the_acting_key(client,
                                                                               keys):  # noqa: F811
    made = new_key(client, keys.admin, name="temp")
    rotated = client.post(f"{KEYS}/{made['id']}/rotate", headers=bearer(keys.admin)).json
    client.delete(f"{KEYS}/{rotated['id']}", headers=bearer(keys.admin))
    entries = audit(client, keys.admin)[:3]
    assert [e["action"] for e in entries] == ["key_revoked", "key_rotated", "key_created"]
    assert {e["actor"] for e in entries} == {actor(client, keys.admin)}
    assert entries[1]["details"]["replaces"] == made["id"]
    assert entries[2]["details"]["name"] == "temp"
    assert made["key"] not in str(entries) and rotated["key"] not in str(entries)


def test_acts_on_keys_for_all_sites_are_in_the_service_wide_log(app, client, clock,
                                                                keys):  # noqa: F811
    with app.app_context():
        config = app.extensions["commentsvc"]
        made, _ = create_key(db.session, config.secret_key, None, "admin", "ops", clock())
        made_id = made.id
        db.session.commit()
    client.post(f"{KEYS}/{made_id}/rotate", headers=bearer(keys.global_admin))
    entries = audit(client, keys.global_admin, site=None)
    assert [(e["action"], e["actor"]) for e in entries[:2]] == [
        ("key_rotated", actor(client, keys.global_admin)), ("key_created", "cli")]
    assert all(e["action"] != "key_created" or e["details"]["key_id"] != made_id
               for e in audit(client, keys.global_admin, site="default"))


def test_only_keys_for_all_sites_read_the_service_wide_log(client, keys):  # noqa: F811
    response = client.get("/api/v1/admin/audit", headers=bearer(keys.admin))
    assert response.status_code == 403


def test_creating_a_site_is_audited(client, keys):  # noqa: F811
    client.post("/api/v1/admin/sites", json={"key": "blog", "allowed_origins": ["https://b.example"]},
                headers=bearer(keys.global_admin))
    [entry] = audit(client, keys.global_admin, site="blog")
    assert entry["action"] == "site_created"
    assert entry["actor"] == actor(client, keys.global_admin)
    assert entry["details"]["allowed_origins"] == ["https://b.example"]


def test_changing_a_site_is_audited_with_names_not_secret_values(client, keys):  # noqa: F811
    secret = "s" * 40
    client.patch("/api/v1/admin/sites/default",
                 json={"name": "News", "allowed_origins": ["https://news.example"],
                       "settings": {"jwt_secret": secret, "link_limit": 5}},
                 headers=bearer(keys.admin))
    entry = audit(client, keys.admin)[0]
    assert entry["action"] == "site_changed" and entry["actor"] == actor(client, keys.admin)
    assert entry["details"] == {"name": "News", "allowed_origins": ["https://news.example"],
                                "settings": ["jwt_secret", "link_limit"], "reset": []}
    assert secret not in str(entry)


def test_a_change_that_changes_nothing_is_not_audited(client, keys):  # noqa: F811
    before = len(audit(client, keys.admin))
    client.patch("/api/v1/admin/sites/default", json={"settings": {"link_limit": None}},
                 headers=bearer(keys.admin))
    assert len(audit(client, keys.admin)) == before


# --- settings back to their defaults -------------------------------------------------------

SETTINGS = {
    "moderation": "pre",
    "edit_window_seconds": 60,
    "display_depth": 7,
    "jwt_secret": "j" * 32,
    "banned_words": ["scam"],
    "suspect_words": ["casino"],
    "link_limit": 9,
    "flag_threshold": 12,
}


@pytest.mark.parametrize(("name", "value"), SETTINGS.items(), ids=list(SETTINGS))
def test_null_returns_a_setting_to_the_service_default(app, client, keys, name,  # noqa: F811
                                                       value):
    def patch(setting):
        response = client.patch("/api/v1/admin/sites/default",
                                json={"settings": {name: setting}}, headers=bearer(keys.admin))
        assert response.status_code == 200, response.json
        return response.json["settings"]

    # The JWT secret is write-only: the answer says only whether one is set.
    assert patch(value)[name] == (True if name == "jwt_secret" else value)
    assert patch(None).get(name, False) is False
    entry = audit(client, keys.admin)[0]
    assert entry["details"]["reset"] == [name]
    with app.app_context():
        config = app.extensions["commentsvc"]
        parsed = SiteSettings.of(get_site(db.session, "default"), config)
        assert getattr(parsed, name) == getattr(SiteSettings._parse({}, config), name)


def test_a_new_site_leaves_null_settings_at_their_defaults(client, keys):  # noqa: F811
    response = client.post("/api/v1/admin/sites",
                           json={"key": "blog", "settings": {"link_limit": None}},
                           headers=bearer(keys.global_admin))
    assert response.status_code == 201
    assert "link_limit" not in response.json["settings"]
