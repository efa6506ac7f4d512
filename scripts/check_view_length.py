"""Fail when a view function is longer than 60 lines (issue 18).

Views only parse the request, authorise, call a selector or service and render; anything longer
holds logic that belongs to a selector, a service, a form or the domain. A view is any function
under ``src/kitaplan/web`` whose first parameter is ``request`` (or a method whose second is,
as in class-based views); nested helpers count towards their view. Lines are counted from
``def`` to the last line.

Usage: python scripts/check_view_length.py [limit]   (default 60)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "kitaplan" / "web"


def _is_view(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    names = [argument.arg for argument in node.args.args[:2]]
    return bool(names) and (names[0] == "request" or names[:2] == ["self", "request"])


def long_views(limit: int) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        nodes = list(tree.body)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                nodes += node.body
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_view(node):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append((length, str(path.relative_to(ROOT.parents[1])), node.name))
    return sorted(found, reverse=True)


def main() -> int:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    found = long_views(limit)
    for length, path, name in found:
        print(f"{path}: {name} has {length} lines (at most {limit})")
    if found:
        print(f"{len(found)} view(s) over {limit} lines")
        return 1
    print(f"no view over {limit} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
