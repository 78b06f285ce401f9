"""Fixtures and helpers for the admin API tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from commentsvc.extensions import db
from commentsvc.keys import create_key
from commentsvc.sites import create_site, get_site


@dataclass
class Keys:
    moderator: str
    admin: str
    other_site: str
    other_admin: str
    global_admin: str


@pytest.fixture
def keys(app, clock) -> Keys:
    with app.app_context():
        default = get_site(db.session, "default")
        other = create_site(db.session, "other")
        config = app.extensions["commentsvc"]

        def make(site, role):
            return create_key(db.session, config.secret_key, site, role, "", clock())[1]

        made = Keys(make(default, "moderator"), make(default, "admin"), make(other, "moderator"),
                    make(other, "admin"), make(None, "admin"))
        db.session.commit()
    return made


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
