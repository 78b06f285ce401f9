"""Seeding commentsvc and Isso through their own HTTP APIs, each as its widget posts."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from peers_data import SeedComment
from sqlalchemy import select

from commentsvc import create_app, sites
from commentsvc.extensions import db
from commentsvc.models import Site

SITE = "default"


def allow_origin(database_url: str, origin: str) -> None:
    """Let the publisher's page use the default site, as `PATCH /admin/sites/default` would."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "seed-only",
                      "COMMENTSVC_ENV": "development"})
    with app.app_context():
        logging.disable(logging.INFO)  # the audit's event line would interrupt the output
        try:
            site = db.session.scalar(select(Site).where(Site.key == SITE))
            sites.update_site(db.session, site, origins=[origin])
            db.session.commit()
        finally:
            logging.disable(logging.NOTSET)
            db.session.remove()
            db.engine.dispose()


def call(method: str, url: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any, int]:
    """Status, answer (JSON parsed) and its size in bytes."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw), len(raw)
    except ValueError:
        return status, raw.decode(errors="replace"), len(raw)


def isso_path(article: str) -> str:
    return "/" + article  # what Isso's embed sends: the page's location.pathname


def isso_new(article: str) -> str:
    return "/new?" + urlencode({"uri": isso_path(article)})


def seed_commentsvc(base: str, origin: str, threads: dict[str, list[SeedComment]]
                    ) -> dict[str, list[int]]:
    """Post every comment as the widget would; returns each thread's comment ids in order."""
    ids: dict[str, list[int]] = {}
    for article, comments in threads.items():
        ids[article] = []
        for c in comments:
            payload = {
                "site": SITE, "article": article, "body": c.body, "honeypot": "",
                "form_seconds": 20 + c.number % 40, "author_name": c.author_name,
                "author_email": c.author_email, "article_title": f"Article {article}",
            }
            if c.parent is not None:
                payload["parent_id"] = ids[article][c.parent]
            # One reader per author, as each reader's browser keeps its own token.
            headers = {"Origin": origin, "Content-Type": "application/json",
                       "X-Reader-Token": f"peers-bench-reader-{c.author:02d}"}
            status, answer, _ = call("POST", f"{base}/api/v1/comments", headers, payload)
            if status != 201:
                raise RuntimeError(f"commentsvc answered {status} to comment {c.number} of "
                                   f"{article}: {str(answer)[:300]}")
            ids[article].append(answer["id"])
    return ids


def seed_isso(base: str, origin: str, threads: dict[str, list[SeedComment]]
              ) -> dict[str, list[int]]:
    """Post every comment as Isso's embed would (with a title, so Isso need not fetch the
    page to name a new thread)."""
    ids: dict[str, list[int]] = {}
    for article, comments in threads.items():
        ids[article] = []
        for c in comments:
            payload = {"text": c.body, "author": c.author_name, "email": c.author_email,
                       "parent": None if c.parent is None else ids[article][c.parent],
                       "title": f"Article {article}"}
            headers = {"Origin": origin, "Content-Type": "application/json"}
            status, answer, _ = call("POST", base + isso_new(article), headers, payload)
            if status != 201:
                raise RuntimeError(f"Isso answered {status} to comment {c.number} of "
                                   f"{article}: {str(answer)[:300]}")
            ids[article].append(answer["id"])
    return ids
