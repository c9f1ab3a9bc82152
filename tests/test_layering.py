"""The import graph of compress/, sensitivity/ and eval/ flows one way.

Every module's imports (module level and function-local alike: a local import is still a
dependency, it only hides it) are read with ast. A module may import its own layer or any
layer below it; an import of a layer above is a back-edge, and any circle between modules is
an error even inside one layer. Extending the project: a new package that fits no prefix below
fails `test_every_module_has_a_layer`; add it to LAYERS where its imports put it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compress", "sensitivity", "eval")

# Bottom to top. A module belongs to the entry whose name is its longest dotted prefix.
LAYERS: list[tuple[str, ...]] = [
    ("compress", "compress.errors", "compress.files", "compress.emotions"),  # version, errors, file helpers, tables
    ("compress.recipe",),  # recipe composition (Hydra); reads no model
    ("compress.audio", "compress.audio_io"),  # features and audio files
    # torch-free: what the frontend and the ONNX Runtime voice need
    ("compress.models.symbols", "compress.models.voice_dir", "compress.models.nsf_source", "compress.utterances"),
    # torch-free: the ONNX Runtime voice of an export dir (the export stage itself is higher up)
    ("compress.export.config", "compress.export.runtime", "compress.export.driver"),
    ("compress.frontend",),
    ("compress.models",),
    ("compress.manifest",),
    ("compress.checkpoint", "compress.diff"),  # the stage-dir format
    ("compress.origin",),  # the import record of a KAN-TTS voice
    ("compress.registry",),  # stages by name (built-ins imported by module path, on first use)
    ("compress.loading",),  # any voice: KAN-TTS dirs and stage dirs, modes replayed
    ("compress.synthesis", "compress.streaming", "compress.export.bridge"),
    ("compress.backends",),  # torch or ONNX Runtime, by the voice dir
    ("compress.stage", "compress.kantts_export"),
    ("compress.train",),
    ("compress.demo_voice",),  # builds and trains the demo voice
    ("compress.units",),  # unit groups, masking, ranking, the MAC counter
    ("sensitivity",),
    ("compress.prune",),
    ("compress.quant", "compress.export"),  # the coming stages
    ("eval",),
    ("compress.pipeline", "compress.recipe_doc"),  # chains the registered stages and analyses (sensitivity, eval) by name
    ("compress.serve",),
    ("compress.commands",),
    ("compress.cli",),
]

# (importing module, imported module) -> why the edge is allowed for now. Keep it empty.
EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (or package)
    where: str  # path:line and the statement, for messages


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> list[str]:
    """Project modules named by one import statement (`from pkg import mod` names pkg.mod)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    return list(dict.fromkeys(f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin
                              for a in node.names))


def all_imports() -> list[Import]:
    modules = all_modules()
    known = set(modules)
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            for target in _targets(node, module, path.name == "__init__.py", known):
                if target.split(".")[0] in PACKAGES and target != module:
                    where = f"{path.relative_to(ROOT)}:{node.lineno} `{ast.unparse(node)}`"
                    found.append(Import(module, target, where))
    return found


def layer_of(module: str) -> int | None:
    best, level = -1, None
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), index
    return level


def back_edges(imports: list[Import]) -> list[str]:
    problems = []
    for imp in imports:
        low, high = layer_of(imp.source), layer_of(imp.target)
        if low is None or high is None or high <= low or (imp.source, imp.target) in EXCEPTIONS:
            continue
        problems.append(f"{imp.where}: {imp.source} (layer {LAYERS[low][0]}) imports {imp.target}, "
                        f"which sits above it (layer {LAYERS[high][0]})")
    return problems


def circles(imports: list[Import]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), as a list of names."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if (imp.source, imp.target) not in EXCEPTIONS:
            graph.setdefault(imp.source, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_every_module_has_a_layer():
    missing = [name for name in all_modules() if layer_of(name) is None]
    assert not missing, "modules with no entry in LAYERS (add their package): " + ", ".join(missing)


def test_no_module_imports_a_layer_above_its_own():
    problems = back_edges(all_imports())
    assert not problems, "back-edges in the import graph:\n" + "\n".join(problems)


def test_no_circle_between_modules():
    imports = all_imports()
    found = circles(imports)
    lines = []
    for group in found:
        members = set(group)
        lines += [imp.where for imp in imports if imp.source in members and imp.target in members]
    assert not found, "import circles:\n" + "\n".join(
        [" <-> ".join(g) for g in found] + ["the imports that close them:"] + lines)


def test_every_exception_is_still_needed():
    edges = {(imp.source, imp.target) for imp in all_imports()}
    stale = [f"{a} -> {b}" for a, b in EXCEPTIONS if (a, b) not in edges]
    assert not stale, "EXCEPTIONS lists imports that no longer exist (delete them): " + ", ".join(stale)


def test_the_checks_catch_a_back_edge_and_a_circle():
    """The detectors themselves, on a made-up graph: prune reaching into the CLI, and a circle."""
    fake = [Import("compress.prune.stage", "compress.cli", "compress/prune/stage.py:1 `import compress.cli`"),
            Import("compress.units.a", "compress.units.b", "a.py:1"),
            Import("compress.units.b", "compress.units.a", "b.py:1")]
    (problem,) = back_edges(fake)
    assert "compress/prune/stage.py:1 `import compress.cli`" in problem and "layer compress.cli" in problem
    assert circles(fake) == [["compress.units.a", "compress.units.b"]]
