"""Fail when modules of kitaplan import each other in a circle (issue 18).

import-linter's layers contract keeps the apps of the web layer in one direction; this check
covers what it cannot see: circles between the files of one app (``a`` imports ``b``, ``b``
imports ``a``), also through imports inside functions, which are often how a circle is hidden.
It uses grimp, the import graph library under import-linter. Imports under
``if TYPE_CHECKING:`` are left out: they never run.

Usage: python scripts/check_cycles.py [package]   (default: kitaplan)
"""

from __future__ import annotations

import sys

import grimp


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm over the module graph; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}

    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for i in range(child, len(edges[node])):
                target = edges[node][i]
                if target not in index:
                    work.append((node, i + 1))
                    work.append((target, 0))
                    recurse = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def main() -> int:
    package = sys.argv[1] if len(sys.argv) > 1 else "kitaplan"
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    # A package's __init__ is "imported" by each of its modules; only real modules count.
    modules = {m for m in graph.modules if not graph.find_children(m)}
    cycles = strongly_connected(graph, modules)
    for component in cycles:
        print(f"import cycle among {len(component)} modules:")
        for module in component:
            targets = sorted(graph.find_modules_directly_imported_by(module) & set(component))
            print(f"  {module} -> {', '.join(targets)}")
    if cycles:
        print(f"{len(cycles)} import cycle(s) in {package}")
        return 1
    print(f"no import cycle among the {len(modules)} modules of {package}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
