"""Query parameters of the two hottest reads (a thread page, counts), read without marshmallow.

The schema stays the one source of truth: it documents the parameters in the OpenAPI document
and parses every query that a quick reader is not sure of, so bad input gets exactly the
schema's 400. A quick reader accepts only what the schema would accept, returns what the schema
would load, and answers None for anything else. On these routes webargs and marshmallow cost
more than the database query (see BENCHMARKS.md); tests/unit/test_quick_query.py checks the
readers against the schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from commentsvc.schemas import (
    ARTICLE_MAX,
    COUNTS_ARTICLES_MAX,
    PAGE_LIMIT_MAX,
    SITE_MAX,
    normalise_key,
)
from commentsvc.threads import SORTS

QuickReader = Callable[[MultiDict], "dict[str, Any] | None"]


def query_arguments(blp: Blueprint, schema: type[Schema] | Schema,
                    quick: QuickReader) -> Callable[[Callable], Callable]:
    """`@blp.arguments(schema, location="query", error_status_code=400)`, documented the same,
    with `quick` trying first."""
    def decorator(view: Callable) -> Callable:
        checked = blp.arguments(schema, location="query", error_status_code=400)(view)

        @wraps(view)
        def read(*args: Any, **kwargs: Any) -> Any:
            parsed = quick(request.args)
            if parsed is None:
                return checked(*args, **kwargs)
            return view(*args, parsed, **kwargs)

        read._apidoc = checked._apidoc  # type: ignore[attr-defined]
        return read

    return decorator


# webargs reads the first value of a parameter that is not a list, and ignores unknown ones:
# so do these readers (MultiDict.get is the first value).

def _site(args: MultiDict) -> str | None:
    raw = args.get("site")
    if raw is None:
        return None
    site = normalise_key(raw)
    return site if 1 <= len(site) <= SITE_MAX else None


def thread_query(args: MultiDict) -> dict[str, Any] | None:
    """ThreadQuery: site, article, sort, limit, cursor."""
    site, raw_article = _site(args), args.get("article")
    if site is None or raw_article is None:
        return None
    article = normalise_key(raw_article)
    if not article.strip() or len(article) > ARTICLE_MAX:
        return None
    sort = args.get("sort", "oldest")
    if sort not in SORTS:
        return None
    limit = args.get("limit")
    if limit is None:
        limit = 20
    elif (len(limit) <= 3 and limit.isascii() and limit.isdigit()
          and 1 <= int(limit) <= PAGE_LIMIT_MAX):
        limit = int(limit)
    else:  # signs, spaces, other digits, out of range: the schema decides
        return None
    return {"site": site, "article": article, "sort": sort, "limit": limit,
            "cursor": args.get("cursor")}


def counts_query(args: MultiDict) -> dict[str, Any] | None:
    """CountsQuery: site, and the articles as the client spelled them."""
    site, articles = _site(args), args.getlist("article")
    if site is None or not 1 <= len(articles) <= COUNTS_ARTICLES_MAX:
        return None
    if not all(1 <= len(article) <= ARTICLE_MAX for article in articles):
        return None
    return {"site": site, "article": articles}
