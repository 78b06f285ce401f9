"""Disqus XML export: <disqus> holding <category>, <thread dsq:id> and <post dsq:id> elements.

A thread has <id> (the publisher's identifier, often empty), <link>, <title>, <createdAt>; a post
has <message> (HTML in CDATA), <createdAt>, <isDeleted>, <isSpam>, <author> (<name>, <email>),
<thread dsq:id="..."/> and, for replies, <parent dsq:id="..."/>.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from commentsvc.portability.records import (
    APPROVED,
    SPAM,
    Malformed,
    Record,
    Skipped,
    Thread,
    parse_time,
)
from commentsvc.portability.xmlstream import attribute, children, elements, text

SOURCE = "disqus"


def read(path: Path) -> Iterator[Thread | Record | Skipped]:
    counts = {"thread": 0, "post": 0}
    with path.open("rb") as source:
        for element in elements(source, {"thread", "post"}, depth=1):
            kind = "post" if element.tag.endswith("post") else "thread"
            counts[kind] += 1
            position = f"{kind} {counts[kind]}"
            try:
                yield _post(element, position) if kind == "post" else _thread(element)
            except Malformed as exc:
                yield Skipped(position, "malformed", str(exc))


def _flag(found: dict[str, Element], name: str) -> bool:
    return text(found, name).lower() == "true"


def _thread(element: Element) -> Thread:
    ref = attribute(element, "id")
    found = children(element)
    if not ref:
        raise Malformed("thread without dsq:id")
    created = text(found, "createdAt")
    return Thread(ref=ref, identifier=text(found, "id"), url=text(found, "link"),
                  title=text(found, "title"), created_at=parse_time(created) if created else None)


def _post(element: Element, position: str) -> Record:
    ref = attribute(element, "id")
    found = children(element)
    thread_ref = attribute(found.get("thread"), "id")
    if not ref:
        raise Malformed("post without dsq:id")
    if not thread_ref:
        raise Malformed("post without a thread reference")
    author = children(found["author"]) if "author" in found else {}
    return Record(
        ref=ref, thread_ref=thread_ref, parent_ref=attribute(found.get("parent"), "id") or None,
        created_at=parse_time(text(found, "createdAt")), position=position,
        author_name=text(author, "name"), email=text(author, "email") or None,
        html=text(found, "message"), status=SPAM if _flag(found, "isSpam") else APPROVED,
        removed=_flag(found, "isDeleted"),
    )
