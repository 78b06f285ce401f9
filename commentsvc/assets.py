"""The widget's files as served: minified, content-addressed where they may be, precompressed.

Built once per process from commentsvc/static/ (the readable sources stay in the repo as
written): every `.js` file is minified with rjsmin, and every file is compressed once with gzip
and brotli, so a request only picks bytes. The language files the widget loads are also
published under a name that holds a hash of their content (`i18n/ru.<hash>.js`) and may then be
cached for a year; the widget learns those names from a table written into it here.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import brotli
import rjsmin

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The widget's source holds this line; the served widget holds the real table instead.
LOCALE_TABLE = "const LOCALE_FILES = {};"
# Likewise the name of the live-updates code, loaded only once a thread has rendered.
LIVE_NAME = 'const LIVE_FILE = "live.js";'
DIGEST_CHARS = 12
HASHED_NAME = re.compile(r"^(?P<stem>i18n/[a-z]{2,3}|live)\.(?P<digest>[0-9a-f]+)\.js$")
ON_DEMAND = ("live.js",)
# In order of preference: brotli is about a tenth smaller than gzip on these files.
CODINGS = ("br", "gzip")


class AssetError(RuntimeError):
    """The static files cannot be built as the widget expects (a broken checkout)."""


@dataclass(frozen=True)
class Asset:
    name: str
    digest: str  # of the uncompressed body: the ETag
    immutable: bool  # served under a content-addressed name
    bodies: dict[str, bytes] = field(repr=False)  # by content coding, "identity" included


@dataclass(frozen=True)
class Bundle:
    assets: dict[str, Asset]  # by every name it is served under
    current: dict[str, str]  # "i18n/ru.js" -> "i18n/ru.<hash>.js"

    def find(self, name: str) -> Asset | None:
        return self.assets.get(name)

    def renamed(self, name: str) -> str | None:
        """The current content-addressed name for an older one of the same file, if any."""
        match = HASHED_NAME.match(name)
        return self.current.get(f"{match['stem']}.js") if match else None


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:DIGEST_CHARS]


def compressed(body: bytes) -> dict[str, bytes]:
    """The body in every coding that makes it smaller, at the highest levels: this runs once
    per process, not per request. mtime 0 keeps gzip's bytes (and so its ETag) stable."""
    bodies = {"identity": body,
              "br": brotli.compress(body, mode=brotli.MODE_TEXT, quality=11),
              "gzip": gzip.compress(body, compresslevel=9, mtime=0)}
    return {coding: data for coding, data in bodies.items()
            if coding == "identity" or len(data) < len(body)}


def minified(name: str, text: str) -> bytes:
    return (rjsmin.jsmin(text) if name.endswith(".js") else text).encode()


def with_locale_table(widget: str, table: dict[str, str]) -> str:
    if widget.count(LOCALE_TABLE) != 1:
        raise AssetError(f"widget.js must hold the line {LOCALE_TABLE!r} exactly once")
    return widget.replace(LOCALE_TABLE, f"const LOCALE_FILES = {json.dumps(table)};")


def with_live_name(widget: str, name: str) -> str:
    if widget.count(LIVE_NAME) != 1:
        raise AssetError(f"widget.js must hold the line {LIVE_NAME!r} exactly once")
    return widget.replace(LIVE_NAME, f"const LIVE_FILE = {json.dumps(name)};")


def build(static_dir: Path = STATIC_DIR) -> Bundle:
    assets: dict[str, Asset] = {}
    current: dict[str, str] = {}
    for path in sorted((static_dir / "i18n").glob("*.js")):
        name = path.relative_to(static_dir).as_posix()
        body = minified(name, path.read_text(encoding="utf-8"))
        digest = digest_of(body)
        current[name] = f"{name[:-3]}.{digest}.js"
        bodies = compressed(body)
        assets[name] = Asset(name, digest, immutable=False, bodies=bodies)
        assets[current[name]] = Asset(current[name], digest, immutable=True, bodies=bodies)
    table = {Path(name).stem: Path(hashed).name for name, hashed in current.items()}
    for name in ON_DEMAND:
        if not (static_dir / name).is_file():
            continue
        body = minified(name, (static_dir / name).read_text(encoding="utf-8"))
        current[name] = f"{name[:-3]}.{digest_of(body)}.js"
        assets[current[name]] = Asset(current[name], digest_of(body), immutable=True,
                                      bodies=compressed(body))
    for path in sorted(static_dir.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "widget.js":
            text = with_locale_table(text, table)
            if "live.js" in current:
                text = with_live_name(text, current["live.js"])
        body = minified(path.name, text)
        assets[path.name] = Asset(path.name, digest_of(body), immutable=False,
                                  bodies=compressed(body))
    return Bundle(assets, current)


@functools.cache
def bundle(static_dir: Path = STATIC_DIR) -> Bundle:
    """Built on first use and kept: the files do not change while the process runs."""
    return build(static_dir)
