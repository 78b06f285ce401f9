"""A thread's tree fields and counters, computed from parent links alone.

The same numbers posting and moderation keep up incrementally (see counters.py): a comment is
visible when approved or when it has visible replies; reply_count counts visible direct replies;
a top-level comment's descendant_count counts visible replies at any depth beneath it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from commentsvc.models import APPROVED
from commentsvc.posting import MAX_DEPTH


@dataclass(slots=True)
class Node:
    id: int
    parent: int | None
    status: str


Placed = tuple[int, int | None, int | None, str, int, int, int]


def place(nodes: dict[int, Node], order: list[int]) -> list[Placed]:
    """(id, parent_id, root_id, ancestry, depth, reply_count, descendant_count) for `order`."""
    children: dict[int, list[int]] = {}
    for node in nodes.values():
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node.id)
    where: dict[int, tuple[int | None, str, int]] = {}  # id -> (root, ancestry, depth)
    for node_id in order:
        if nodes[node_id].parent is None:
            _walk(node_id, nodes, children, where)
    for node_id in order:
        if node_id not in where:  # a cycle in the source's parent links: break it here
            nodes[node_id].parent = None
            _walk(node_id, nodes, children, where)
    replies = dict.fromkeys(nodes, 0)
    descendants = dict.fromkeys(nodes, 0)
    for node_id in sorted(nodes, key=lambda n: where[n][2], reverse=True):
        node = nodes[node_id]
        if node.parent is not None and (node.status == APPROVED or replies[node_id] > 0):
            replies[node.parent] += 1
            descendants[where[node_id][0]] += 1
    return [(n, nodes[n].parent, where[n][0], where[n][1], where[n][2], replies[n],
             descendants[n]) for n in order]


def _walk(top: int, nodes: dict[int, Node], children: dict[int, list[int]],
          where: dict[int, tuple[int | None, str, int]]) -> None:
    where[top] = (None, "", 0)
    queue = deque([top])
    while queue:
        parent = queue.popleft()
        root, ancestry, depth = where[parent]
        for child in children.get(parent, ()):
            if child in where:
                continue
            if depth + 1 >= MAX_DEPTH:
                # Deeper than posting allows (and than ancestry can hold): beside its parent.
                nodes[child].parent = nodes[parent].parent
                where[child] = where[parent]
            else:
                where[child] = (root or parent, f"{ancestry}{parent}/", depth + 1)
            queue.append(child)
