"""/static/: the widget's files, precompressed, with caching a browser and a CDN can use.

The names publishers paste (`widget.js`, `count.js`) must keep working, so they are cached for
minutes and revalidated by ETag; the language files the widget loads by content-addressed name
never change and are cached for a year.
"""

from __future__ import annotations

from flask import Flask, Response, redirect, request
from werkzeug.exceptions import NotFound

from commentsvc import assets

EMBED_CACHE = "public, max-age=300, stale-while-revalidate=60"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
MIMETYPES = {".js": "text/javascript", ".css": "text/css"}


def register(app: Flask) -> None:
    """Takes over Flask's own static route (same endpoint name, so url_for('static') works)."""
    assets.bundle()  # build at start: a broken checkout fails here, not on a reader's request
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve)


def serve(filename: str) -> Response:
    bundle = assets.bundle()
    asset = bundle.find(filename)
    if asset is None:
        return _moved(bundle.renamed(filename))
    coding = chosen_coding(asset)
    etag = asset.digest if coding == "identity" else f"{asset.digest}-{coding}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        suffix = filename[filename.rfind("."):]
        response = Response(asset.bodies[coding], mimetype=MIMETYPES.get(suffix, "text/plain"))
        if coding != "identity":
            response.headers["Content-Encoding"] = coding
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE_CACHE if asset.immutable else EMBED_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept-Encoding")
    return response


def chosen_coding(asset: assets.Asset) -> str:
    """Brotli where the browser offers it, else gzip, else the plain bytes."""
    offered = request.accept_encodings
    for coding in assets.CODINGS:
        if coding in asset.bodies and offered.quality(coding) > 0:
            return coding
    return "identity"


def _moved(current: str | None) -> Response:
    # A page may hold a widget from before a deploy: its older language file name leads to
    # today's file rather than to English. Not cached: the next deploy moves it again.
    if current is None:
        raise NotFound()
    response = redirect(f"{request.script_root}/static/{current}", code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response
