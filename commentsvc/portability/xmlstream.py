"""Hardened, streaming XML: no DTDs, no entities, no external references, flat memory.

A DTD (the only place entities can be declared, so the door for "billion laughs" bombs and
external entities) may only stand in the prolog, before the root element. defusedxml's
iterparse, with forbid_dtd, forbid_entities and forbid_external, reads that prolog and refuses
any DOCTYPE; the body is then streamed by the standard library's C iterparse, twice as fast as
defusedxml's pure-Python parser on big exports. Without a DTD there is nothing to expand: a
DOCTYPE later in the file is a syntax error, and an entity reference other than the five XML
predefines one is an "undefined entity" error. Each record element is removed from its parent
once the reader has used it, so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree import ElementTree
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
    try:
        _check_prolog(source)
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
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


def _check_prolog(source: BinaryIO) -> None:
    """Let defusedxml read up to the root element (where any DTD must be), then rewind."""
    for _ in iterparse(source, events=("start",), forbid_dtd=True, forbid_entities=True,
                       forbid_external=True):
        break
    source.seek(0)


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
