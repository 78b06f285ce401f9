"""Admin routes: a moderator asks for an e-mail about every held or reported comment of a site;
an admin lists those addresses and takes one off.

The address confirms first (double opt-in), like a reader's; every such e-mail carries a
one-click unsubscribe. Opting in needs a moderator or admin key for the site; listing and
removing, an admin key.
"""

from __future__ import annotations

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from commentsvc.api.admin import _admin_rate_key as admin_rate_key
from commentsvc.api.admin import authenticate
from commentsvc.api.requests import service_config
from commentsvc.extensions import db, limiter
from commentsvc.notify import moderators, setup
from commentsvc.schemas import UTCTime
from commentsvc.sites import get_site

blp = Blueprint("mail_admin", __name__, url_prefix="/api/v1/admin",
                description="Moderator e-mails about held and reported comments")


class ModeratorMailIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"description": "stored sealed, and as a keyed hash"})
    lang = fields.String(load_default="en", validate=validate.Length(max=16),
                         metadata={"description": "language of the e-mails (en, de)"})


class ModeratorMailOut(Schema):
    status = fields.String(metadata={"description": "`confirmation_sent`: a link is on its way; "
                                     "`confirmed`: e-mails come already"})


class ModeratorAddressOut(ModeratorMailOut):
    id = fields.Integer()
    email = fields.String(allow_none=True, metadata={
        "description": "null when it cannot be read (COMMENTSVC_SECRET_KEY changed since)"})
    lang = fields.String()
    created_at = UTCTime()
    confirmed_at = UTCTime(allow_none=True)


class ModeratorAddressesOut(Schema):
    addresses = fields.List(fields.Nested(ModeratorAddressOut))


# The admin API's own quota, per key (by its hash: the limiter's store never sees a key).
limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_ADMIN"],
              key_func=admin_rate_key, scope="admin")(blp)


blp.before_request(authenticate)  # the admin API's own key check, the same everywhere


@blp.route("/sites/<string:site_key>/moderator-mail", methods=["POST"])
@blp.arguments(ModeratorMailIn)
@blp.response(202, ModeratorMailOut)
def opt_in(data: dict, site_key: str) -> dict:
    """E-mail this address about each held or reported comment of the site, once it confirms.

    Each e-mail has approve and reject links that work once and expire after 72 hours."""
    found = get_site(db.session, site_key)
    g.moderator.require(found.id)
    subscription = moderators.opt_in(db.session, service_config().secret_key, found.id,
                                     data["email"], data["lang"], setup.base_url())
    return {"status": "confirmed" if subscription.active else "confirmation_sent"}


@blp.route("/sites/<string:site_key>/moderator-mail", methods=["GET"])
@blp.response(200, ModeratorAddressesOut)
def list_addresses(site_key: str) -> dict:
    """The addresses that get this site's moderator e-mails, or were asked to confirm (admin
    key). Unsubscribed ones are not listed: their address is forgotten."""
    found = get_site(db.session, site_key)
    return {"addresses": moderators.listed(db.session, service_config().secret_key,
                                           g.moderator, found.id)}


@blp.route("/sites/<string:site_key>/moderator-mail/<id:address_id>", methods=["DELETE"])
@blp.response(204)
def remove_address(site_key: str, address_id: int) -> None:
    """Take an address off this site's moderator e-mails, as its unsubscribe link would: no
    more e-mails, the address forgotten, links already sent stop working (admin key)."""
    found = get_site(db.session, site_key)
    moderators.remove(db.session, g.moderator, found.id, address_id, service_config().now())
