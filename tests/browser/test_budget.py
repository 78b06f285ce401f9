"""The widget's size budget: what a reader downloads before seeing a comment, as served.

Measured through the app, so minification and compression count exactly as a browser gets
them: the widget plus one language file, in each coding the service offers."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

STATIC = ROOT / "commentsvc" / "static"
LOCALES = sorted(p.relative_to(STATIC).as_posix() for p in (STATIC / "i18n").glob("*.js"))
CODINGS = ["br", "gzip"]


def served_size(client, path: str, coding: str) -> int:
    response = client.get(path, headers={"Accept-Encoding": coding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == coding
    return len(response.get_data())


def locale_files(client) -> dict[str, str]:
    """The content-addressed names the served widget loads its languages from."""
    widget = client.get("/static/widget.js", headers={"Accept-Encoding": "identity"})
    table = re.search(r"const LOCALE_FILES=(\{[^}]*\})", widget.get_data(as_text=True))
    return json.loads(table.group(1))


@pytest.mark.parametrize("coding", CODINGS)
def test_the_widget_with_its_largest_language_stays_under_16_kb_as_served(client, coding):
    widget = served_size(client, "/static/widget.js", coding)
    languages = [served_size(client, f"/static/i18n/{name}", coding)
                 for name in locale_files(client).values()]
    assert widget + max(languages) < 16 * 1024


@pytest.mark.parametrize("coding", CODINGS)
def test_the_count_script_stays_under_2_kb_as_served(client, coding):
    assert served_size(client, "/static/count.js", coding) < 2 * 1024


def test_every_language_the_widget_offers_has_its_file(client):
    bundled = re.search(r"const BUNDLED = \[([^\]]*)\]", (STATIC / "widget.js").read_text())
    offered = sorted(re.findall(r'"(\w+)"', bundled.group(1)))
    assert offered == ["de", "fr", "ru", "tr", "uz"]
    assert [f"i18n/{lang}.js" for lang in offered] == LOCALES
    assert sorted(locale_files(client)) == offered
