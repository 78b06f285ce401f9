"""Every admin route, walked from the OpenAPI document, with each kind of credential."""

import pytest

from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import post

ADMIN_ONLY = {"/api/v1/admin/sites", "/api/v1/admin/sites/{site_key}",
              "/api/v1/admin/sites/{site_key}/keys", "/api/v1/admin/keys",
              "/api/v1/admin/keys/{key_id}", "/api/v1/admin/keys/{key_id}/rotate",
              "/api/v1/admin/readers/export",
              "/api/v1/admin/readers/erase",
              "/api/v1/admin/sites/{site_key}/export",
              "/api/v1/admin/sites/{site_key}/webhooks",
              "/api/v1/admin/sites/{site_key}/webhooks/{webhook_id}",
              "/api/v1/admin/sites/{site_key}/webhooks/{webhook_id}/deliveries",
              "/api/v1/admin/sites/{site_key}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
              "/api/v1/admin/sites/{site_key}/moderator-mail/{address_id}"}
# Where one method of a path is for admins only: a moderator opts in, an admin lists.
ADMIN_ONLY_METHODS = {("get", "/api/v1/admin/sites/{site_key}/moderator-mail")}
HOOK = "/api/v1/admin/sites/{site_key}/webhooks/{webhook_id}"
MODERATOR_MAIL = "/api/v1/admin/sites/{site_key}/moderator-mail"
MODERATOR_ADDRESS = "moderator@news.example"
# A public address given as a literal: accepted without DNS, and nothing is sent in these tests.
HOOK_URL = "http://93.184.215.14/hooks"


def requests_for(comment_id):
    """A well-formed request for every admin route, so only the credential can fail it."""
    return {
        ("get", "/api/v1/admin/key"): {},
        ("get", "/api/v1/admin/comments"): {"query_string": {"site": "default"}},
        ("post", "/api/v1/admin/comments/{comment_id}/moderate"): {
            "json": {"action": "approve"}},
        ("post", "/api/v1/admin/comments/moderate"): {
            "json": {"ids": [comment_id], "action": "approve"}},
        ("get", "/api/v1/admin/articles"): {
            "query_string": {"site": "default", "article": "news-42"}},
        ("patch", "/api/v1/admin/articles"): {
            "query_string": {"site": "default", "article": "news-42"},
            "json": {"closed": False}},
        ("get", "/api/v1/admin/bans"): {"query_string": {"site": "default"}},
        ("post", "/api/v1/admin/bans"): {"json": {"site": "default", "ip": "192.0.2.1"}},
        ("delete", "/api/v1/admin/bans/{ban_id}"): {},
        ("get", "/api/v1/admin/audit"): {"query_string": {"site": "default"}},
        ("get", "/api/v1/admin/sites"): {},
        ("post", "/api/v1/admin/sites"): {"json": {"key": "fresh"}},
        ("patch", "/api/v1/admin/sites/{site_key}"): {"json": {"name": "Renamed"}},
        ("post", "/api/v1/admin/sites/{site_key}/keys"): {"json": {"role": "moderator"}},
        ("get", "/api/v1/admin/sites/{site_key}/keys"): {},
        ("get", "/api/v1/admin/keys"): {},
        # Rotating first: revoking the rotated (revoked) key again is still a success.
        ("post", "/api/v1/admin/keys/{key_id}/rotate"): {},
        ("delete", "/api/v1/admin/keys/{key_id}"): {},
        ("get", "/api/v1/admin/readers/export"): {
            "query_string": {"site": "default", "comment_id": comment_id}},
        ("post", "/api/v1/admin/readers/erase"): {"json": {"site": "default", "sub": "nobody"}},
        ("get", "/api/v1/admin/sites/{site_key}/export"): {},
        ("post", MODERATOR_MAIL): {"json": {"email": MODERATOR_ADDRESS}},
        ("get", MODERATOR_MAIL): {},
        ("delete", f"{MODERATOR_MAIL}/{{address_id}}"): {},
        ("post", "/api/v1/admin/sites/{site_key}/webhooks"): {
            "json": {"url": HOOK_URL, "events": ["comment.created"]}},
        ("get", "/api/v1/admin/sites/{site_key}/webhooks"): {},
        ("get", f"{HOOK}/deliveries"): {},
        ("post", f"{HOOK}/deliveries/{{delivery_id}}/retry"): {},
        ("patch", HOOK): {"json": {"enabled": True}},
        # Last: the routes above need the webhook.
        ("delete", HOOK): {},
    }


def admin_only(method, path):
    return path in ADMIN_ONLY or (method, path) in ADMIN_ONLY_METHODS


def admin_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    return [(method, path) for path, item in paths.items() if path.startswith("/api/v1/admin")
            for method in item if method in {"get", "post", "patch", "delete", "put"}]


def call(client, method, path, key, world, **request):
    comment_id, ban_id, key_id, webhook_id, delivery_id, address_id = world
    url = path.format(comment_id=comment_id, ban_id=ban_id, site_key="default", key_id=key_id,
                      webhook_id=webhook_id, delivery_id=delivery_id, address_id=address_id)
    headers = bearer(key) if key else {}
    return getattr(client, method)(url, headers=headers, **request)


@pytest.fixture
def world(client, keys):  # noqa: F811
    hook = client.post("/api/v1/admin/sites/default/webhooks", headers=bearer(keys.admin),
                       json={"url": HOOK_URL, "events": ["comment.created"]}).json["id"]
    comment_id = post(client).json["id"]
    delivery = client.get(f"/api/v1/admin/sites/default/webhooks/{hook}/deliveries",
                          headers=bearer(keys.admin)).json["deliveries"][0]["id"]
    ban = client.post("/api/v1/admin/bans", json={"site": "default", "ip": "192.0.2.9"},
                      headers=bearer(keys.admin))
    # The default site's moderator key: the key routes act on it.
    actor = client.get("/api/v1/admin/key", headers=bearer(keys.moderator)).json["actor"]
    mail = MODERATOR_MAIL.format(site_key="default")
    client.post(mail, json={"email": MODERATOR_ADDRESS}, headers=bearer(keys.moderator))
    address = client.get(mail, headers=bearer(keys.admin)).json["addresses"][0]["id"]
    return (comment_id, ban.json["bans"][0]["id"], int(actor.removeprefix("key:")), hook,
            delivery, address)


def test_the_table_covers_every_admin_route(client, world):
    assert set(admin_routes(client)) == set(requests_for(0))


@pytest.mark.parametrize("credential", [None, "csk_not-a-real-key", "Basic"])
def test_every_admin_route_is_401_without_a_valid_key(client, world, credential):
    comment_id = world[0]
    for (method, path), request in requests_for(comment_id).items():
        response = call(client, method, path, credential, world, **request)
        assert response.status_code == 401, (method, path)
        assert response.json["error"]["code"] in {"api_key_missing", "invalid_api_key"}


def test_every_admin_route_is_403_with_a_key_of_another_site(client, world, keys):  # noqa: F811
    comment_id = world[0]
    for (method, path), request in requests_for(comment_id).items():
        if (method, path) in {("get", "/api/v1/admin/sites"), ("get", "/api/v1/admin/key"),
                              ("get", "/api/v1/admin/keys")}:
            continue  # they name no site: they answer about the key's own (tests below)
        key = keys.other_admin if admin_only(method, path) else keys.other_site
        response = call(client, method, path, key, world, **request)
        assert response.status_code == 403, (method, path, response.json)


def test_a_site_key_lists_only_its_own_site(client, keys):  # noqa: F811
    response = client.get("/api/v1/admin/sites", headers=bearer(keys.other_admin))
    assert [site["key"] for site in response.json["sites"]] == ["other"]


@pytest.mark.parametrize(("name", "role", "site"), [("moderator", "moderator", "default"),
                                                   ("global_admin", "admin", None)])
def test_a_key_can_ask_what_it_is(client, keys, name, role, site):  # noqa: F811
    response = client.get("/api/v1/admin/key", headers=bearer(getattr(keys, name)))
    assert response.json["role"] == role
    assert response.json["site"] == site


def test_site_and_key_routes_are_403_for_moderators(client, world, keys):  # noqa: F811
    comment_id = world[0]
    for (method, path), request in requests_for(comment_id).items():
        if admin_only(method, path):
            response = call(client, method, path, keys.moderator, world, **request)
            assert response.status_code == 403, (method, path)
            assert response.json["error"]["code"] == "admin_only"


def test_every_admin_route_works_with_the_right_key(client, world, keys):  # noqa: F811
    comment_id = world[0]
    for (method, path), request in requests_for(comment_id).items():
        response = call(client, method, path, keys.global_admin, world, **request)
        assert response.status_code < 300, (method, path, response.json)


def test_a_site_admin_cannot_add_sites(client, keys):  # noqa: F811
    response = client.post("/api/v1/admin/sites", json={"key": "mine"},
                           headers=bearer(keys.admin))
    assert response.status_code == 403


def test_admin_limits_are_separate_from_readers(make_app, keys):  # noqa: F811
    client = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_READ_IP="2/minute",
                      COMMENTSVC_RATELIMIT_ADMIN="3/minute").test_client()
    reads = [client.get("/api/v1/comments", query_string={"site": "default", "article": "a"})
             for _ in range(3)]
    assert reads[-1].status_code == 429
    admin = [client.get("/api/v1/admin/audit", query_string={"site": "default"},
                        headers=bearer(keys.moderator)).status_code for _ in range(4)]
    assert admin == [200, 200, 200, 429]
