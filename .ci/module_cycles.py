#!/usr/bin/env python3
"""Lists the module edges of a source tree (`use super::…`, `use crate::…`, `super::x::` and
`crate::x::` paths) and prints every cycle. Usage: module_cycles.py [src/bench] — exits 1 on a cycle."""
import re, sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "src/bench")
src = Path("src")
prefix = tuple(root.relative_to(src).parts)  # ('bench',)

def module_of(path):
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)

modules = {module_of(p): p for p in root.rglob("*.rs")}

def resolve(module, is_mod_file, segments):
    """The longest known module that `segments` (after super/crate/self) names."""
    base = list(module)
    if segments[0] == "crate":
        base, segments = [], segments[1:]
    while segments and segments[0] in ("super", "self"):
        if segments[0] == "super":
            base = base[:-1]
        segments = segments[1:]
    path = tuple(base + segments)
    while path and path not in modules:
        path = path[:-1]
    return path

edges = {m: set() for m in modules}
path_re = re.compile(r"\b((?:crate|super|self)(?:::(?:super|\w+))+)")
group_re = re.compile(r"\buse\s+((?:crate|super|self)(?:::\w+)*)::\{([^;]*)\};", re.S)
for module, path in modules.items():
    text = path.read_text()
    # Unit tests may use what they test: only the code above `#[cfg(test)] mod tests` counts.
    text = text.split("#[cfg(test)]\nmod tests")[0]
    text = re.sub(r"//[^\n]*", "", text)
    is_mod = path.name == "mod.rs"
    found = [m.group(1).split("::") for m in path_re.finditer(text)]
    for g in group_re.finditer(text):
        head = g.group(1).split("::")
        for item in re.split(r"[,\s{}]+", g.group(2)):
            if item and item[0].islower() and item != "self":
                found.append(head + item.split("::"))
    for segments in found:
        target = resolve(module, is_mod, segments)
        if target and target != module and target[: len(prefix)] == prefix and not module[: len(target)] == target:
            edges[module].add(target)

name = lambda m: "::".join(m[len(prefix):]) or "mod"
for module in sorted(edges):
    print(f"{name(module):20} -> {', '.join(sorted(name(t) for t in edges[module])) or '-'}")

# Tarjan's strongly connected components: every one with more than one module is a cycle.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop(); on.discard(w); scc.append(w)
            if w == v:
                break
        if len(scc) > 1:
            sccs.append(scc)
sys.setrecursionlimit(10000)
for v in edges:
    if v not in index:
        visit(v)
print(f"\n{len(sccs)} cycle(s)")
for scc in sccs:
    print("  cycle among:", ", ".join(sorted(name(m) for m in scc)))
sys.exit(1 if sccs else 0)
