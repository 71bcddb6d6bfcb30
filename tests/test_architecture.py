"""The import graph of the product code follows the layers (README, "Layering"):

    config -> caching -> comments / accounts / wxr / followers / likes / mentions / composer
           / fediverse -> mailer -> blog -> Django

Every import counts, the ones inside functions too; tests, migrations and tools are left
out. A failure names each offending import with its file and line.
"""

import ast
from collections import defaultdict
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = (
    "blog", "comments", "accounts", "wxr", "followers", "likes", "mentions", "mailer", "caching",
    "config", "composer", "fediverse",
)  # fmt: skip
# Which other apps each app may import (None: any). The brief's contract, arrow by arrow.
MAY_IMPORT = {
    "config": None,
    "caching": {"blog", "comments", "followers", "likes"},
    "comments": {"blog", "mailer"},
    "accounts": {"blog", "mailer", "comments"},
    "wxr": {"blog", "comments", "mailer"},
    "followers": {"blog", "mailer"},
    "likes": {"blog", "mailer"},
    "mentions": {"blog", "mailer", "comments"},
    "composer": {"blog", "mailer"},
    "fediverse": {"blog", "mailer", "comments", "likes"},
    "mailer": {"blog"},
    "blog": set(),
}
MAX_LINES = 400
# Product files still over MAX_LINES, being split by other work: this list may only shrink.
STILL_OVER = set()
# Circles other work is taking apart: may only shrink (none left).
KNOWN_CIRCLES = []


def product_files():
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" not in path.relative_to(BASE_DIR).parts:
                yield path


def module_name(path):
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in product_files()}


def resolve(name):
    """The project module an imported name lives in (the deepest one that exists)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports(path):
    """(project module imported, line) for every import statement in the file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from x import y` may name a module y of package x.
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        else:
            continue
        for name in names:
            target = resolve(name)
            if target is not None and target != module:
                yield target, node.lineno


def graph():
    """{module: {imported module: [(file, line), ...]}} over the product code."""
    edges = defaultdict(lambda: defaultdict(list))
    for module, path in MODULES.items():
        for target, line in imports(path):
            place = f"{path.relative_to(BASE_DIR)}:{line}"
            if place not in edges[module][target]:
                edges[module][target].append(place)
    return edges


def app_of(module):
    return module.split(".")[0]


def test_each_app_imports_only_the_layers_below_it():
    wrong = []
    for module, targets in graph().items():
        allowed = MAY_IMPORT[app_of(module)]
        for target, places in targets.items():
            other = app_of(target)
            if other != app_of(module) and allowed is not None and other not in allowed:
                wrong += [f"{place}: {module} imports {target}" for place in places]
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_any_two_modules():
    edges = graph()
    found = cycles(edges)
    report = []
    for group in found:
        if group in KNOWN_CIRCLES:
            continue
        report.append("circle: " + ", ".join(group))
        for module in group:
            for target in group:
                for place in edges[module].get(target, []):
                    report.append(f"  {place}: {module} imports {target}")
    assert not report, "\n".join(report)
    gone = [group for group in KNOWN_CIRCLES if group not in found]
    assert not gone, f"these circles are gone, take them off KNOWN_CIRCLES: {gone}"


def test_product_files_stay_under_400_lines():
    """Migrations and config/settings.py (one file, by design) aside."""
    lengths = {
        str(path.relative_to(BASE_DIR)): len(path.read_text().splitlines())
        for path in MODULES.values()
    }
    over = {name for name, count in lengths.items() if count >= MAX_LINES}
    over.discard("config/settings.py")
    new = sorted(f"{name}: {lengths[name]} lines" for name in over - STILL_OVER)
    assert not new, f"over {MAX_LINES} lines:\n" + "\n".join(new)
    shrunk = sorted(STILL_OVER - over)
    assert not shrunk, f"now under {MAX_LINES} lines, take them off STILL_OVER: {shrunk}"
