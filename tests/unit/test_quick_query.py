"""The quick query readers of api/quick_query.py load exactly what the schemas would, or pass."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_smorest import Blueprint
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from commentsvc.api import quick_query
from commentsvc.schemas import CountsQuery, ThreadQuery

# Values near every edge the schemas check: empty, blank, invisible characters that
# normalisation removes, lengths at and past the limits, numbers a schema may or may not take.
EDGES = ["", " ", "default", "news-42", "a\u200bb", "\u202e", "e\u0301", "\r\n", "x" * 64,
         "x" * 65, "x" * 512, "x" * 513, " 5", "+5", "05", "0", "1", "20", "100", "101", "-1",
         "1e2", "\u0663", "9" * 5000, "oldest", "newest", "top", "Top", "cursor-1"]
THREAD = {"site": "default", "article": "news-42", "sort": "newest", "limit": "20",
          "cursor": "c"}
COUNTS = {"site": "default", "article": "news-42"}


def values(*valid: str) -> st.SearchStrategy[list[str]]:
    """No value, or one or two: mostly valid ones, else edges and any text."""
    return st.lists(st.one_of(st.sampled_from(valid), st.sampled_from(EDGES), st.text()),
                    max_size=2)


def as_query(parts: dict[str, list[str]]) -> MultiDict:
    return MultiDict([(name, value) for name, found in parts.items() for value in found])


QUERIES = st.fixed_dictionaries({
    "site": values("default", "news"), "article": values("news-42", "a-1"),
    "sort": values("oldest", "top"), "limit": values("1", "20", "100"),
    "cursor": values("c"), "other": values("x"),
}).map(as_query)


def one_changed(base: dict[str, str]) -> list[MultiDict]:
    """The valid query with one parameter set to each edge value, or left out."""
    changed = [MultiDict({k: v for k, v in base.items() if k != name}) for name in base]
    changed += [MultiDict({**base, name: edge}) for name in base for edge in EDGES]
    return changed


APP = Flask(__name__)


def schema_load(schema, args: MultiDict):
    """What @blp.arguments hands the view (None where it answers 400)."""
    with APP.test_request_context(query_string=list(args.items(multi=True))):
        try:
            return Blueprint.ARGUMENTS_PARSER.parse(schema, location="query")
        except HTTPException:
            return None


@given(QUERIES)
def test_the_thread_reader_loads_what_the_schema_loads_or_passes(args):
    quick = quick_query.thread_query(args)
    assert quick is None or quick == schema_load(ThreadQuery(), args)


@given(QUERIES)
def test_the_counts_reader_loads_what_the_schema_loads_or_passes(args):
    quick = quick_query.counts_query(args)
    assert quick is None or quick == schema_load(CountsQuery(), args)


@pytest.mark.parametrize("args", one_changed(THREAD))
def test_each_edge_of_a_thread_query_is_read_as_the_schema_reads_it(args):
    quick = quick_query.thread_query(args)
    assert quick is None or quick == schema_load(ThreadQuery(), args)


@pytest.mark.parametrize("args", one_changed(COUNTS))
def test_each_edge_of_a_counts_query_is_read_as_the_schema_reads_it(args):
    quick = quick_query.counts_query(args)
    assert quick is None or quick == schema_load(CountsQuery(), args)


@pytest.mark.parametrize("args", [
    MultiDict({"site": "default", "article": "news-42"}),
    MultiDict({**THREAD, "cursor": ""}),
    MultiDict({"site": "de\u200bfault", "article": "news-42", "sort": "top", "limit": "050"}),
])
def test_the_widgets_thread_query_is_read_quickly(args):
    assert quick_query.thread_query(args) == schema_load(ThreadQuery(), args) is not None


def test_twenty_articles_are_read_quickly():
    args = MultiDict([("site", "default"), *(("article", f"a-{n}") for n in range(20))])
    assert quick_query.counts_query(args) == schema_load(CountsQuery(), args) is not None
