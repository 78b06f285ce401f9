"""Schemathesis over the whole OpenAPI document, through the WSGI app (no network).

Every public and admin operation (admin with a key for all sites) gets a bounded, deterministic
budget of generated requests, valid and invalid; the test fails on any 5xx and on any answer the
document does not describe (status code, content type, headers, body schema).

Bigger run by hand: COMMENTSVC_FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest -s -p no:cacheprovider
tests/api/test_fuzz.py (prints the request count per operation and in total).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.keys import create_key
from tests.conftest import post, set_site_settings
from tests.webhook_support import no_dns

EXAMPLES = int(os.environ.get("COMMENTSVC_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
REQUESTS: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_request_count() -> Iterator[None]:
    yield
    if REQUESTS:
        print(f"\nfuzz: {sum(REQUESTS.values())} requests over {len(REQUESTS)} operations "
              f"({EXAMPLES} examples each at most); statuses: {sorted(STATUSES.items())}")


@pytest.fixture
def seeded(app, clock):
    """A few comments for id routes to find: approved ones with a reply, a flagged one, a
    pending one; and an admin key for every site. Webhook URLs are resolved without DNS."""
    app.config["COMMENTSVC_RESOLVER"] = no_dns
    client = app.test_client()
    first = post(client, "First comment").json["id"]
    post(client, "A reply", parent_id=first)
    flagged = post(client, "Flag me").json["id"]
    client.post(f"/api/v1/comments/{flagged}/flag", json={"reason": "spam"})
    set_site_settings(app, {"moderation": "pre"})
    post(client, "Held for review")
    set_site_settings(app, {})
    with app.app_context():
        raw = create_key(db.session, app.extensions["commentsvc"].secret_key, None, "admin",
                         "fuzz", clock())[1]
        db.session.commit()
    return app, raw


def openapi_document() -> dict:
    """The document as the app serves it; it needs no database, so it is read at collection
    (schemathesis' fixture-based loader does not work with this pytest)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return app.test_client().get("/api/v1/openapi.json").json


schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, seeded):
    app, admin_key = seeded
    admin = case.path.startswith("/api/v1/admin")
    REQUESTS[case.operation.label] += 1
    # Public calls come as a reader, so votes and reports can get past "who are you?".
    headers = ({"Authorization": f"Bearer {admin_key}"} if admin
               else {"X-Reader-Token": "0f5e4c3b2a1908f7e6d5c4b3a2918070"})
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    STATUSES[response.status_code] += 1
