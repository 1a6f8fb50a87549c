"""How the modules relate (issue 16): the import contracts hold, and production code has no import cycle.

- The contracts in `.importlinter` (entry points above features above the kernel; only the entry
  points import the app factory) are checked by import-linter, through its Python API, here so that
  `make test` runs them. `.venv/bin/lint-imports` prints the same report.
- The cycle check builds the import graph of production code from the source with `ast`, imports
  written inside functions included: an import that is only deferred to run time still ties two
  modules together.

- Every module is in a layer; no module imports another package's view module (pages are reached by
  URL); imports inside functions only where `IMPORTS_INSIDE_FUNCTIONS` says why.
"""
from __future__ import annotations

import ast
import configparser
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("saas", "tenants", "billing", "workers")
CONTRACTS = ROOT / ".importlinter"

# Imports written inside functions, by the only modules that may have them, and why. Everywhere else an
# import is at the top of its module, where the contracts and the cycle check see it plainly.
IMPORTS_INSIDE_FUNCTIONS = {
    "saas": "the app factory registers every blueprint (and the CLI's commands) when it makes the app",
    "saas.cli": "each command imports what it runs, so `koers --help` and `koers worker` start light "
                "(the entry point: nothing imports it)",
    "saas.surveys.answers": "the parallel readers of a large wave are fresh processes that import this "
                            "module: they must not load the app (its package imports Flask and every model)",
}


# ---- the contracts ---------------------------------------------------------------------------

def test_the_import_contracts_hold():
    from importlinter import api  # noqa: F401  (configures import-linter's adapters)
    from importlinter.application import use_cases

    kept = use_cases.lint_imports(config_filename=str(CONTRACTS), cache_dir=None, no_logo=True)
    assert kept, "an import contract is broken: the report above says which import (.importlinter, README " \
                 "\"How the code is laid out\")"


def test_no_module_imports_another_packages_view_module():
    """Pages are reached through URLs, never through another feature's view functions; only the app
    factory imports view modules (to register their blueprints)."""
    views = set(view_modules())
    crossing = sorted(f"{importer} -> {imported}" for importer, imported, _line, _inner in imports()
                      if imported in views and importer != "saas" and feature(importer) != feature(imported))
    assert not crossing, "a module imports another package's views: " + ", ".join(crossing)


def test_every_module_is_in_a_layer():
    """A module that no layer names would escape the contracts: the layers list every module."""
    contracts = configparser.ConfigParser()
    contracts.read(CONTRACTS)
    layers = [name for line in contracts["importlinter:contract:layers"]["layers"].splitlines()
              for name in line.replace("|", ":").split(":") if name.strip() and not line.strip().startswith("#")]
    layers = [name.strip() for name in layers]
    outside = sorted(module for module in production_modules() if module != "saas"
                     and not any(module == layer or module.startswith(layer + ".") or layer.startswith(module + ".")
                                 for layer in layers))
    assert not outside, f"add these modules to a layer in .importlinter: {outside}"


def test_imports_inside_functions_are_only_the_documented_ones():
    inside = sorted({importer for importer, _imported, _line, in_function in imports() if in_function}
                    - set(IMPORTS_INSIDE_FUNCTIONS))
    assert not inside, f"imports written inside functions (move them to the top of the module): {inside}"


def feature(module: str) -> str:
    """The package a module belongs to: saas.<feature>, or the top package (tenants, billing, workers)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "saas" else parts[0]


def view_modules() -> list[str]:
    """Modules with pages: they make a blueprint at module level or add routes to one (`@bp.route(...)`)."""

    def name_of(call):
        return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")

    found = []
    for name, path in production_modules().items():
        tree = ast.parse(path.read_text())
        makes = any(isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and name_of(node.value) in ("Blueprint", "tenant_blueprint") for node in tree.body)
        routes = any(isinstance(node, ast.FunctionDef) and any(
            isinstance(decorator, ast.Call) and name_of(decorator) == "route" for decorator in node.decorator_list)
            for node in ast.walk(tree))
        if makes or routes:
            found.append(name)
    return found


# ---- no cycle --------------------------------------------------------------------------------

def test_production_code_has_no_import_cycle():
    graph = import_graph()
    cycles = [a_cycle(component, graph) for component in strongly_connected(graph)]
    assert not cycles, "import cycles (imports inside functions count too):\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles)


def test_the_measures_count_imports_inside_functions(tmp_path):
    """The graph sees an import written inside a function, a relative import and `from package import
    module`, as the cycle check needs."""
    package = tmp_path / "saas"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from saas import b\n")
    (package / "b.py").write_text("from .a import f\n")
    graph = import_graph(tmp_path)
    assert graph["saas.a"] == {"saas.b"} and graph["saas.b"] == {"saas.a"}
    assert [sorted(c) for c in strongly_connected(graph)] == [["saas.a", "saas.b"]]
    assert function_level_imports(tmp_path) == 1


# ---- the graph, from the source --------------------------------------------------------------

def production_modules(root: Path = ROOT) -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports(root: Path = ROOT):
    """(importer, imported module, line, inside a function) for every import of a project module."""
    modules = production_modules(root)
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

        def targets(node):
            if isinstance(node, ast.Import):
                return [alias.name for alias in node.names]
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]

        def walk(node, in_function):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in targets(child):
                        while target not in modules and "." in target:
                            target = target.rsplit(".", 1)[0]
                        if target in modules and target != name:
                            yield name, target, child.lineno, in_function
                yield from walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                          ast.Lambda)))

        yield from walk(ast.parse(path.read_text()), False)


def import_graph(root: Path = ROOT, *, module_level_only: bool = False) -> dict[str, set[str]]:
    graph = defaultdict(set)
    for importer, imported, _line, in_function in imports(root):
        if not (module_level_only and in_function):
            graph[importer].add(imported)
    return graph


def function_level_imports(root: Path = ROOT) -> int:
    """Import statements inside functions that import a project module."""
    return len({(importer, line) for importer, _imported, line, in_function in imports(root) if in_function})


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one module: each holds at least one cycle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = set()
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.add(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(list(graph)):
        if module not in index:
            visit(module)
    return found


def a_cycle(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle through the component, to name it: a -> b -> ... -> a (a shortest one from its first module)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for other in sorted(graph.get(module, ()) & component):
            if other == start:
                return paths[module] + [start]
            if other not in paths:
                paths[other] = paths[module] + [other]
                queue.append(other)
    return sorted(component)


def measure(root: Path = ROOT) -> str:
    """The numbers issue 16 reports: `python tests/test_structure.py [source root]`."""
    lines = [f"function-level imports of project modules: {function_level_imports(root)}"]
    for label, graph in (("counting imports inside functions", import_graph(root)),
                         ("module-level imports only", import_graph(root, module_level_only=True))):
        components = strongly_connected(graph)
        lines.append(f"import cycles, {label}: {len(components)} (modules in them: "
                     f"{sorted(len(c) for c in components)})")
        lines += ["    " + " -> ".join(a_cycle(c, graph)) for c in components]
    return "\n".join(lines)


if __name__ == "__main__":
    print(measure(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT))
