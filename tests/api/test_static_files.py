"""The widget's files: minified, precompressed, cached by name for minutes or by hash for good."""

import gzip
import json
import re

import brotli
import pytest

from commentsvc import assets
from tests.conftest import ROOT

STATIC = ROOT / "commentsvc" / "static"
EMBEDDED = ["/static/widget.js", "/static/count.js"]
LANGUAGES = ["de", "fr", "ru", "tr", "uz"]


def get(client, path, **headers):
    return client.get(path, headers=headers)


def decoded(response):
    coding = response.headers.get("Content-Encoding")
    body = response.get_data()
    if coding == "br":
        return brotli.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    return body


def locale_table(client):
    widget = decoded(get(client, "/static/widget.js")).decode()
    return json.loads(re.search(r"const LOCALE_FILES=(\{[^}]*\})", widget).group(1))


@pytest.mark.parametrize("path", EMBEDDED)
def test_embedded_scripts_are_served_minified(client, path):
    served = get(client, path)
    source = (STATIC / path.removeprefix("/static/")).read_bytes()
    assert served.status_code == 200
    assert served.mimetype == "text/javascript"
    assert len(served.get_data()) < 0.8 * len(source)
    assert b"\n  " not in served.get_data()


@pytest.mark.parametrize("path", EMBEDDED)
@pytest.mark.parametrize(("accept", "coding"), [
    ("gzip, deflate, br, zstd", "br"),
    ("br;q=1.0, gzip;q=0.8", "br"),
    ("gzip, deflate", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("identity", None),
    ("", None),
])
def test_scripts_come_in_the_best_coding_the_browser_accepts(client, path, accept, coding):
    plain = get(client, path).get_data() if accept == "" else None
    served = get(client, path, **{"Accept-Encoding": accept})
    assert served.headers.get("Content-Encoding") == coding
    assert "Accept-Encoding" in served.headers["Vary"]
    assert int(served.headers["Content-Length"]) == len(served.get_data())
    if plain is not None:
        assert decoded(served) == plain
    else:
        assert decoded(served) == decoded(get(client, path))


def test_every_coding_holds_the_same_script(client):
    bodies = {decoded(get(client, "/static/widget.js", **{"Accept-Encoding": accept}))
              for accept in ("br", "gzip", "identity")}
    assert len(bodies) == 1


def test_compression_is_done_once_per_process_not_per_request(client, monkeypatch):
    get(client, "/static/widget.js", **{"Accept-Encoding": "br"})
    monkeypatch.setattr(brotli, "compress", lambda *a, **k: pytest.fail("compressed again"))
    monkeypatch.setattr(gzip, "compress", lambda *a, **k: pytest.fail("compressed again"))
    assert get(client, "/static/widget.js", **{"Accept-Encoding": "br"}).status_code == 200
    assert get(client, "/static/count.js", **{"Accept-Encoding": "gzip"}).status_code == 200


@pytest.mark.parametrize("path", EMBEDDED)
def test_embed_urls_are_cached_for_minutes_and_revalidated_by_etag(client, path):
    first = get(client, path, **{"Accept-Encoding": "br"})
    assert first.headers["Cache-Control"].startswith("public, max-age=300")
    assert "immutable" not in first.headers["Cache-Control"]
    again = get(client, path, **{"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


def test_each_coding_has_its_own_etag(client):
    etags = {get(client, "/static/widget.js", **{"Accept-Encoding": accept}).headers["ETag"]
             for accept in ("br", "gzip", "identity")}
    assert len(etags) == 3


def test_an_etag_of_another_coding_gets_the_whole_file(client):
    gzip_etag = get(client, "/static/widget.js", **{"Accept-Encoding": "gzip"}).headers["ETag"]
    again = get(client, "/static/widget.js",
                **{"Accept-Encoding": "br", "If-None-Match": gzip_etag})
    assert again.status_code == 200
    assert again.headers["Content-Encoding"] == "br"


def test_a_weakened_etag_from_a_proxy_still_revalidates(client):
    etag = get(client, "/static/count.js", **{"Accept-Encoding": "gzip"}).headers["ETag"]
    again = get(client, "/static/count.js",
                **{"Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"})
    assert again.status_code == 304


def test_the_widget_names_every_language_file_by_its_content(client):
    table = locale_table(client)
    assert sorted(table) == LANGUAGES
    for lang, name in table.items():
        assert re.fullmatch(rf"{lang}\.[0-9a-f]{{12}}\.js", name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hashed_language_files_are_immutable_and_hold_the_language(client, lang):
    served = get(client, f"/static/i18n/{locale_table(client)[lang]}",
                 **{"Accept-Encoding": "br"})
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["Content-Encoding"] == "br"
    assert f'addLocale("{lang}"'.encode() in decoded(served)
    assert decoded(served) == decoded(get(client, f"/static/i18n/{lang}.js"))


def test_the_hash_in_a_language_file_name_is_that_of_its_served_content(client):
    for name in locale_table(client).values():
        body = decoded(get(client, f"/static/i18n/{name}"))
        assert assets.digest_of(body) == name.split(".")[1]


def test_plain_language_file_names_still_work_for_older_widgets(client):
    served = get(client, "/static/i18n/ru.js")
    assert served.status_code == 200
    assert "immutable" not in served.headers["Cache-Control"]


def test_an_older_hash_of_a_language_file_leads_to_the_current_one(client):
    moved = get(client, "/static/i18n/ru.000000000000.js")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/static/i18n/{locale_table(client)['ru']}")
    assert moved.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/static/nothing.js", "/static/i18n/xx.000000000000.js",
                                  "/static/../pyproject.toml", "/static/i18n/"])
def test_unknown_static_files_are_a_json_404(client, path):
    response = get(client, path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_demo_page_links_the_stable_embed_urls(client):
    html = client.get("/").get_data(as_text=True)
    assert 'src="/static/widget.js"' in html
    assert 'src="/static/count.js"' in html


def test_a_widget_without_the_table_line_stops_the_build(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "widget.js").write_text("(() => {})();\n")
    with pytest.raises(assets.AssetError, match="LOCALE_FILES"):
        assets.build(tmp_path)


def test_the_widget_source_stays_readable_in_the_repository():
    source = (STATIC / "widget.js").read_text()
    assert source.count("\n") > 500
    assert assets.LOCALE_TABLE in source
