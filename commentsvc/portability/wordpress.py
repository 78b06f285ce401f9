"""WordPress WXR: RSS 2.0 with the wp: namespace; one <item> per post, its <wp:comment>s inside.

An item has <title>, <link>, <wp:post_id>; a comment has <wp:comment_id>, <wp:comment_author>,
<wp:comment_author_email>, <wp:comment_date_gmt> (or <wp:comment_date>), <wp:comment_content>
(text with some HTML; WordPress adds paragraphs when it shows it), <wp:comment_approved>
(1, 0, spam, trash), <wp:comment_type> and <wp:comment_parent> (0: none).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from commentsvc.portability.records import (
    APPROVED,
    PENDING,
    SPAM,
    Malformed,
    Record,
    Skipped,
    Thread,
    parse_time,
)
from commentsvc.portability.xmlstream import children, elements, local, text

SOURCE = "wordpress"
STATUS = {"1": APPROVED, "approve": APPROVED, "0": PENDING, "hold": PENDING, "spam": SPAM}


def read(path: Path) -> Iterator[Thread | Record | Skipped]:
    with path.open("rb") as source:
        for number, item in enumerate(elements(source, {"item"}, depth=2), start=1):
            yield from _item(item, number)


def _item(item: Element, number: int) -> Iterator[Thread | Record | Skipped]:
    found = children(item)
    comments = [child for child in item if local(child.tag) == "comment"]
    if not comments:
        return  # attachments, pages and posts without comments
    post_id = text(found, "post_id")
    if not post_id:
        yield Skipped(f"item {number}", "malformed", f"post without wp:post_id "
                      f"({len(comments)} comments not imported)")
        return
    yield Thread(ref=post_id, identifier=post_id, url=text(found, "link"),
                 title=html.unescape(text(found, "title")))
    for index, comment in enumerate(comments, start=1):
        position = f"item {number}, comment {index}"
        try:
            yield _comment(children(comment), post_id, position)
        except Malformed as exc:
            yield Skipped(position, "malformed", str(exc))
        except _NotAComment as exc:
            yield Skipped(position, str(exc))


class _NotAComment(Exception):
    pass


def _comment(found: dict[str, Element], post_id: str, position: str) -> Record:
    ref = text(found, "comment_id")
    if not ref:
        raise Malformed("comment without wp:comment_id")
    kind = text(found, "comment_type")
    if kind in {"pingback", "trackback"}:
        raise _NotAComment(kind)
    approved = text(found, "comment_approved").lower()
    if approved not in STATUS and approved != "trash":
        raise Malformed(f"unknown comment_approved {approved[:20]!r}")
    gmt = text(found, "comment_date_gmt")
    when = gmt if gmt and not gmt.startswith("0000") else text(found, "comment_date")
    parent = text(found, "comment_parent")
    return Record(
        ref=ref, thread_ref=post_id, parent_ref=None if parent in {"", "0"} else parent,
        created_at=parse_time(when), position=position,
        author_name=html.unescape(text(found, "comment_author")),
        email=text(found, "comment_author_email") or None,
        html=text(found, "comment_content"), status=STATUS.get(approved, APPROVED),
        removed=approved == "trash",
    )
