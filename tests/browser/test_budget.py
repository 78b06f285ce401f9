"""The widget's size budget: what a reader downloads before seeing a comment."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.conftest import ROOT

STATIC = ROOT / "commentsvc" / "static"
LOCALES = sorted(p.relative_to(STATIC).as_posix() for p in (STATIC / "i18n").glob("*.js"))


def gzipped(*names: str) -> int:
    data = b"".join((STATIC / name).read_bytes() for name in names if (STATIC / name).exists())
    return len(gzip.compress(data, compresslevel=9))


@pytest.mark.parametrize("locale", [None, *LOCALES])
def test_the_widget_with_its_styles_and_one_language_stays_under_16_kb_gzipped(locale):
    files = ["widget.js", "widget.css", *([locale] if locale else [])]
    assert gzipped(*files) < 16 * 1024


def test_the_count_script_stays_under_2_kb_gzipped():
    assert gzipped("count.js") < 2 * 1024


def test_every_language_the_widget_offers_has_its_file():
    bundled = re.search(r"const BUNDLED = \[([^\]]*)\]", (STATIC / "widget.js").read_text())
    offered = sorted(re.findall(r'"(\w+)"', bundled.group(1)))
    assert offered == ["de", "fr", "ru", "tr", "uz"]
    assert [f"i18n/{lang}.js" for lang in offered] == LOCALES
