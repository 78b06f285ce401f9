"""Every language file says everything the English built into widget.js says."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

STATIC = ROOT / "commentsvc" / "static"
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}


def keys(text: str) -> set[str]:
    # A key starts a line or follows "{" or ","; the same words inside texts do not.
    return set(re.findall(r'(?:^|[{,])\s*([a-z_]+): (?=["{])', text, re.MULTILINE)) - PLURAL_FORMS


def english() -> str:
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    return source[source.index("const EN = {"):source.index("const LOCALES")]


@pytest.mark.parametrize("lang", ["de", "fr", "tr", "ru", "uz"])
def test_a_language_file_translates_every_text(lang):
    translated = (STATIC / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
    assert f'addLocale("{lang}", {{' in translated
    assert keys(translated) == keys(english())
    assert len(keys(english())) > 50


@pytest.mark.parametrize("lang", ["de", "fr", "tr", "ru", "uz"])
def test_counts_in_a_language_file_have_the_forms_its_plural_rules_need(lang):
    translated = (STATIC / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
    count = re.search(r"\bcount: \{(.*)\},", translated).group(1)  # one line
    forms = set(re.findall(r"(\w+): ", count))
    assert "other" in forms
    if lang == "ru":
        assert {"one", "few", "many"} <= forms
