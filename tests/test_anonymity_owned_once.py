"""Anonymity is one mechanism (issue 15 point 1): no module outside saas/anonymity/ computes k or
decides what is shown. Read from the source, like the import contracts: a new feature that compares
a count with k, or derives k from a tenant's setting, fails here and belongs in saas/anonymity/."""
import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("saas", "tenants", "billing", "workers")
OWNER = ROOT / "saas" / "anonymity"
# Names of the rules and thresholds that live in saas/anonymity/ and nowhere else (features call them there).
RULES = {"k_of", "k_rule", "overlap_rule", "_k_rule", "visible_groups", "group_labels", "feedback_groups",
         "others_shown", "SMALLEST_K", "FREE_TEXT_MIN", "EXAMPLES_MIN", "MIN_RATERS", "FREE_TEXT_MIN_GROUP"}


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if OWNER not in path.parents:
                yield path


def _is_k(node) -> bool:
    if isinstance(node, ast.Call):  # e.g. policy.frozen_k(...), policy.free_text_k(k)
        return _is_k(node.func)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    return name is not None and (name == "k" or name.endswith("_k") or name in {"min_group_size", "text_k"}
                                 or name.startswith("RATERS_MIN"))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Compare) and any(_is_k(side) for side in [node.left, *node.comparators]) \
                and not all(isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.In, ast.NotIn))
                            for op in node.ops):
            found.append(f"{where}: compares with k ({ast.unparse(node)})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"max", "min"} \
                and any(_is_k(arg) for arg in node.args):
            found.append(f"{where}: derives k ({ast.unparse(node)})")
        if isinstance(node, ast.FunctionDef) and node.name in RULES:
            found.append(f"{where}: defines an anonymity rule ({node.name})")
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in RULES for t in node.targets):
            found.append(f"{where}: defines an anonymity threshold ({ast.unparse(node)})")
    return found


def test_no_module_outside_the_anonymity_package_computes_k_or_decides_what_is_shown():
    found = [line for path in _sources() for line in _violations(path)]
    assert found == [], "move these into saas/anonymity/:\n" + "\n".join(found)


def test_the_check_itself_catches_a_count_compared_with_k(tmp_path):
    sample = tmp_path / "feature.py"
    sample.write_text("def shown(n, k):\n    return n >= k\n\ndef k_now(t):\n    return max(5, t.min_group_size)\n"
                      "\ndef due(n, w):\n    return n >= policy.frozen_k(w)\n")
    assert len(_violations_at(sample)) == 3


def _violations_at(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [ast.unparse(node) for node in ast.walk(tree)
            if (isinstance(node, ast.Compare) and any(_is_k(s) for s in [node.left, *node.comparators]))
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"max", "min"}
                and any(_is_k(a) for a in node.args))]
