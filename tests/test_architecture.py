"""The package's layers, read from its import graph: no cycles, imports only go down.

Every ``import`` and ``from ... import`` in every module counts, also those inside functions,
and the modules a package loads lazily by its ``_EXPORTS`` (werkstatt_xl/round/__init__.py), so no
dependency hides from the module's header. The layers are those of docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import werkstatt_xl

PACKAGE = Path(werkstatt_xl.__file__).parent
LAYERS = {
    # foundation: used by every step, depends on no step
    "werkstatt_xl.errors": 0, "werkstatt_xl.messages": 0, "werkstatt_xl.files": 0, "werkstatt_xl.xlsx": 0,
    "werkstatt_xl.resources": 0, "werkstatt_xl.anchors": 0, "werkstatt_xl.layout": 0,
    "werkstatt_xl.expression": 0, "werkstatt_xl.settings": 0, "werkstatt_xl.toml_lines": 0,
    "werkstatt_xl.placeholders": 0,
    # pure steps: hand plain data to each other, touch no project folder
    "werkstatt_xl.catalogue": 1, "werkstatt_xl.form": 1, "werkstatt_xl.issue_log": 1,
    "werkstatt_xl.questionnaire": 1, "werkstatt_xl.fill": 1, "werkstatt_xl.ingest": 1,
    "werkstatt_xl.validate": 1, "werkstatt_xl.register": 1, "werkstatt_xl.master": 1,
    "werkstatt_xl.report": 1, "werkstatt_xl.status": 1, "werkstatt_xl.mail": 1, "werkstatt_xl.confirmations": 1,
    "werkstatt_xl.overrides": 1, "werkstatt_xl.wording": 1, "werkstatt_xl.inbox_mail": 1, "werkstatt_xl.imap": 1,
    "werkstatt_xl.rounds": 1,
    # orchestration: the commands over a project folder
    "werkstatt_xl.round": 2,
    # the command line
    "werkstatt_xl.cli": 3, "werkstatt_xl.__main__": 3,
    "werkstatt_xl": 0,  # __init__: the version only
}
LAYER_NAMES = ("foundation", "step", "orchestration", "command line")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The werkstatt_xl modules ``path`` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # "from . import x" may name a module
                candidate = f"{base}.{alias.name}"
                found.add(candidate if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").is_file()
                          or (PACKAGE.parent / candidate.replace(".", "/")).is_dir() else base)
        elif isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "_EXPORTS" for target in node.targets):
            found.update(_lazy_module(package, relative) for relative in ast.literal_eval(node.value))
    return {module for module in found if module == "werkstatt_xl" or module.startswith("werkstatt_xl.")}


def _lazy_module(package: str, relative: str) -> str:
    """The module a package's ``_EXPORTS`` names (see werkstatt_xl/round/__init__.py): it loads it on first use."""
    dots = len(relative) - len(relative.lstrip("."))
    anchor = package.split(".")[:len(package.split(".")) - max(dots, 1) + 1]
    return ".".join(anchor + [relative.lstrip(".")])


GRAPH = {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))
         if "templates" not in path.parts and "examples" not in path.parts}


def layer(module: str) -> int:
    """The layer of ``module``: that of its longest listed prefix (a subpackage's modules share its layer)."""
    while module not in LAYERS:
        module = module.rpartition(".")[0]
    return LAYERS[module]


def test_every_module_has_a_layer():
    unlisted = [module for module in GRAPH if not any(module == key or module.startswith(key + ".")
                                                      for key in LAYERS if key != "werkstatt_xl")
                and module != "werkstatt_xl"]
    assert unlisted == [], "add these modules to LAYERS here and to docs/architecture.md"


def test_imports_only_go_down_or_stay_in_their_layer():
    upward = [f"{module} ({LAYER_NAMES[layer(module)]}) imports {target} ({LAYER_NAMES[layer(target)]})"
              for module, targets in GRAPH.items() for target in targets if layer(target) > layer(module)]
    assert upward == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that lies on one, as the list of modules around it."""
    found = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            if start in graph.get(module, ()):
                found.append(path + [start])
                break
            for target in graph.get(module, ()):
                if target not in seen:
                    seen.add(target)
                    stack.append((target, path + [target]))
    return found


def test_the_cycle_finder_finds_a_cycle_hidden_behind_a_module():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"], ["b", "c", "a", "b"],
                                                                        ["c", "a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_has_no_cycle():
    assert cycles(GRAPH) == []


def test_the_command_line_reaches_the_steps_only_through_the_orchestration_layer():
    allowed = {"werkstatt_xl", "werkstatt_xl.errors", "werkstatt_xl.messages"}
    stray = sorted(target for target in GRAPH["werkstatt_xl.cli"]
                   if target not in allowed and not target.startswith("werkstatt_xl.round"))
    assert stray == []


def test_no_step_knows_the_project_folder():
    """Only the orchestration layer knows ausgang/, eingang/, ergebnis/ and post/."""
    folders = ("ausgang", "eingang", "ergebnis", "post/")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path)
        if layer(module) != 1:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("outbox", "inbox", "results", "drafts", "root"):
                offenders.append(f"{module}: .{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(folders):
                offenders.append(f"{module}: {node.value!r}")
    assert offenders == []


def test_no_module_of_round_hides_a_name_the_package_gives():
    """``werkstatt_xl.round`` loads its modules lazily: once imported, a module named like one of the package's
    names would stand where ``from werkstatt_xl.round import name`` looks for that name."""
    import werkstatt_xl.round as package

    modules = {path.stem for path in (PACKAGE / "round").glob("*.py")} - {"__init__"}
    assert modules & set(package.__all__) == set()
    for name in package.__all__:  # and each name is where the package says
        assert getattr(package, name) is not None, name
