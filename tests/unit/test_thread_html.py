"""The pure parts of the server-rendered thread: the widget's texts and CSS, numbers, escaping."""

from __future__ import annotations

import json

import pytest

from commentsvc import thread_html
from commentsvc.thread_html import Place, number, plural, say, script_json


@pytest.mark.parametrize("lang", thread_html.LANGUAGES)
def test_every_language_file_is_read_with_every_text_the_fragment_uses(lang):
    texts = thread_html.texts(lang)
    for key in ("heading", "first", "count", "more", "more_replies", "deleted", "anon", "reply",
                "report", "up", "down", "score", "sort", "oldest", "newest", "top", "body",
                "name", "hint", "preview", "post", "closed", "pinned", "edited", "verified",
                "needs_js", "own_page", "back"):
        assert texts[key], key
    if lang != "en":
        assert texts["heading"] != thread_html.texts("en")["heading"]


def test_javascript_object_literals_become_json_without_touching_strings():
    source = '{ a: "x: y", b: { one: "{n} thing", other: "b, }" }, c_d: "\\"q\\"", }'
    assert thread_html.js_object_to_json(source) == {
        "a": "x: y", "b": {"one": "{n} thing", "other": "b, }"}, "c_d": '"q"'}


@pytest.mark.parametrize(("n", "category"), [(1, "one"), (2, "few"), (4, "few"), (5, "many"),
                                             (11, "many"), (12, "many"), (21, "one"),
                                             (22, "few"), (111, "many"), (0, "many")])
def test_russian_plurals_follow_intl_plural_rules(n, category):
    assert plural("ru", n) == category


def test_french_counts_zero_and_one_as_one():
    assert [plural("fr", n) for n in (0, 1, 2)] == ["one", "one", "other"]


@pytest.mark.parametrize(("lang", "text"), [("en", "10,000"), ("de", "10.000"),
                                            ("fr", "10\u202f000"), ("ru", "10\u00a0000"),
                                            ("tr", "10.000"), ("uz", "10\u00a0000")])
def test_numbers_are_grouped_as_intl_number_format_groups_them(lang, text):
    assert number(lang, 10_000) == text
    assert number(lang, -1234567).startswith("-1")
    assert number(lang, 999) == "999"


def test_counts_read_as_the_widget_says_them():
    assert say("en", "count", n=1) == "1 comment"
    assert say("ru", "count", n=22) == "22 комментария"
    assert say("de", "more_replies", n=3) == "3 weitere Antworten zeigen"


def test_json_in_a_script_element_cannot_close_it():
    text = script_json({"name": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(str(text)) == {"name": "</script><!-- & \u2028"}


def test_the_stylesheet_is_the_widgets_own():
    css = thread_html.widget_css()
    assert css.startswith(":host{display:block!important}")
    assert "@media (prefers-color-scheme:dark){.root.auto{--fg:" in thread_html.dark_auto_css()


def test_the_adoption_key_is_what_the_widget_compares():
    place = Place("https://c.example", "default", "news/ü 42", limit=20)
    # JSON.stringify([site, article, sort, pageSize, ""]) in widget.js
    assert place.key == '["default","news/ü 42","oldest",20,""]'


@pytest.mark.parametrize(("article", "url"), [
    ("news-42", "https://c.example/t/default/news-42"),
    ("news/2026/x y", "https://c.example/t/default/news/2026/x%20y"),
    ("/news/42", "https://c.example/t/default?article=%2Fnews%2F42"),
    ("a//b", "https://c.example/t/default?article=a%2F%2Fb"),
    ("..", "https://c.example/t/default?article=.."),
])
def test_permalinks_keep_every_article_key_intact(article, url):
    assert Place("https://c.example", "default", article).permalink() == url


def test_shown_dates_are_absolute_and_in_utc():
    assert thread_html.shown_date("2026-11-28T10:07:59.123Z") == "2026-11-28 10:07 UTC"
