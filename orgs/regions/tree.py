"""Set-based maintenance of the region tree's MPTT fields and full names.

django-mptt keeps the tree right one save at a time, which costs several queries per node. Bulk
loads (the national fixture, synthetic census regions) instead compute tree_id / lft / rght /
depth and the full name path for the whole forest in memory and write only the rows that changed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass
class TreeNode:
    """The fields of one region that tree maintenance reads and writes."""

    key: object  # the primary key, or any hashable placeholder for a row not yet saved
    parent_key: object | None
    code: str
    name: str
    tree_id: int = 0
    lft: int = 0
    rght: int = 0
    depth: int = 0
    full_name: str = ""


def layout_forest(nodes: list[TreeNode]) -> None:
    """Assigns nested-set coordinates and full names to every node, in place.

    Roots are numbered 1.. in code order (one tree per province), siblings are ordered by code,
    matching `MPTTMeta.order_insertion_by = ["code"]`. Iterative, so deep or wide trees are fine.
    """
    children: dict[object, list[TreeNode]] = defaultdict(list)
    roots: list[TreeNode] = []
    for node in nodes:
        if node.parent_key is None:
            roots.append(node)
        else:
            children[node.parent_key].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: n.code)
    roots.sort(key=lambda n: n.code)

    for tree_id, root in enumerate(roots, start=1):
        counter = 1
        root.tree_id, root.depth, root.lft, root.full_name = tree_id, 0, counter, root.name
        stack: list[tuple[TreeNode, int]] = [(root, 0)]
        while stack:
            node, next_child = stack[-1]
            kids = children.get(node.key, ())
            if next_child < len(kids):
                stack[-1] = (node, next_child + 1)
                child = kids[next_child]
                counter += 1
                child.tree_id, child.depth, child.lft = tree_id, node.depth + 1, counter
                child.full_name = node.full_name + child.name
                stack.append((child, 0))
            else:
                counter += 1
                node.rght = counter
                stack.pop()
