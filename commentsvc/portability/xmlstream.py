"""Hardened, streaming XML: no DTDs, no entities, no external references, flat memory.

defusedxml's iterparse refuses a DOCTYPE outright (forbid_dtd), so a "billion laughs" bomb
or an XXE file stops at its first lines, before any record is read. Each record element is
removed from its parent once the reader has used it, so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import iterparse

from commentsvc.portability.records import UnreadableFile

_LOCAL: dict[str, str] = {}


def local(tag: str) -> str:
    """The tag without its namespace: exports differ in namespace versions, not names."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL) < 1_000:  # a hostile file's endless tag names are not remembered
            _LOCAL[tag] = name
    return name


def elements(source: BinaryIO, tags: set[str], depth: int) -> Iterator[Element]:
    """The elements named `tags` found `depth` levels below the root, one at a time."""
    stack: list[Element] = []
    events = iterparse(source, events=("start", "end"), forbid_dtd=True, forbid_entities=True,
                       forbid_external=True)
    try:
        for event, element in events:
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if len(stack) == depth and local(element.tag) in tags:
                yield element
                stack[-1].remove(element)
    except defusedxml.DTDForbidden as exc:
        raise UnreadableFile("refused: the XML declares a DTD (<!DOCTYPE>); exports never need"
                             " one, and it is how XML bombs and external entities get in") from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise UnreadableFile(f"refused: the XML declares entities ({exc})") from exc
    except ParseError as exc:
        raise UnreadableFile(f"not well-formed XML: {exc}") from exc


def children(element: Element) -> dict[str, Element]:
    """Direct children by local name (the first of each name)."""
    found: dict[str, Element] = {}
    for child in element:
        found.setdefault(local(child.tag), child)
    return found


def text(found: dict[str, Element], name: str) -> str:
    child = found.get(name)
    return (child.text or "").strip() if child is not None else ""


def attribute(element: Element | None, name: str) -> str:
    """An attribute by local name (dsq:id is {http://disqus.com/disqus-internals}id)."""
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if local(key) == name:
            return value.strip()
    return ""
