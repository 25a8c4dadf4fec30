"""Static worst-case stack of every public entry point along the compiler's call graph
(-fstack-usage sizes in the -fcallgraph-info=su files), checked against the painted
measurements of the stack probe and against the budgets of budgets.py."""
import pathlib
import re

from . import ROOT
from .budgets import C_API, C_API_PROBES, CALLBACK_FIELDS, ENTRY_POINTS, PROBE_STORAGE_CALLBACKS, STACK_BUDGETS
from .image import Image, StackError
from .shell import qemu, run


class CallGraph:
    """Worst-case stack depth along the call graph. The frames and the calls of the
    library's and the probe's functions come from the compiler (-fstack-usage sizes in the
    -fcallgraph-info=su files); calls through a function pointer are resolved from the
    source line the compiler names (a kernel-table field: every function the linked table
    holds in it; a model-stream or storage field: CALLBACK_FIELDS); functions the compiler
    did not describe (newlib, libgcc) are read from the linked image."""

    def __init__(self, ci_files, elf, kernels_header):
        self.image = Image(elf)
        self.nodes = {}  # title -> {frame, kind, signature, edges: [(target, location)]}
        node_re = re.compile(r'^node: \{ title: "([^"]*)" label: "((?:[^"\\]|\\.)*)"')
        edge_re = re.compile(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"(?: label: "([^"]*)")?')
        edges = []
        for ci in ci_files:
            for line in ci.read_text().splitlines():
                n = node_re.match(line)
                if n:
                    parts = n.group(2).split("\\n")
                    size = re.match(r"^(\d+) bytes \(([\w,]+)\)$", parts[2]) if len(parts) > 2 else None
                    if size is None:
                        continue  # a declaration (external function) or the indirect-call placeholder
                    title = n.group(1)
                    node = self.nodes.setdefault(title, {"frame": 0, "kind": set(), "signature": parts[0],
                                                         "where": parts[1], "edges": [], "objects": set()})
                    node["objects"].add(str(ci))
                    node["frame"] = max(node["frame"], int(size.group(1)))
                    node["kind"].add(size.group(2))
                    continue
                e = edge_re.match(line)
                if e:
                    edges.append(e.groups())
        for source, target, location in edges:
            if source in self.nodes:
                self.nodes[source]["edges"].append((target, location))
        self.by_mangled = {}
        for title in self.nodes:
            self.by_mangled.setdefault(mangled(title), []).append(title)
        self.fields = ["name"] + re.findall(r"\(\*(\w+)\)\s*\(", kernels_header.read_text())
        self.tables = self.kernel_tables()
        self.callback_targets = {}
        self._memo = {}

    def kernel_tables(self):
        """Field -> the functions the linked kernel tables hold in it (every table the
        image contains: the port's list, whichever is active)."""
        tables = [a for s, a in self.image.addresses.items() if re.match(r"^_ZN9microprop.*L5tableE$", s)]
        if not tables:
            raise StackError("no kernel table in the image")
        fields = {f: set() for f in self.fields[1:]}
        for address in tables:
            words = self.image.words(address, len(self.fields))
            for field, word in zip(self.fields[1:], words[1:]):
                names = self.image.names.get(word & ~1)
                if not names:
                    raise StackError(f"kernel table at {address:#x}: {field} points to {word:#x}, no function")
                fields[field].add(word & ~1)
        return fields

    def functions_at(self, address):
        """Graph keys of the code at an address: the compiler's node if it described the
        function, otherwise the image's block."""
        for name in self.image.names.get(address, []):
            if name in self.by_mangled:
                return list(self.by_mangled[name])
        return [f"image:{self.image.block_of(address):x}"]

    def find(self, pattern):
        """Nodes whose qualified name (signature) or mangled name matches."""
        return [title for title, node in self.nodes.items()
                if re.search(pattern, node["signature"]) or re.search(pattern, mangled(title))]

    def library_function(self, qualified):
        pattern = r"(^|[\s*&])" + re.escape(qualified) + r"\("
        hits = [t for t in self.find(pattern)
                if any("/CMakeFiles/microprop.dir/" in o for o in self.nodes[t]["objects"])]
        if not hits:
            raise StackError(f"{qualified}: not found in the library's call-graph files")
        return hits

    @staticmethod
    def body_at(source, offset):
        """The text of the braces that open first at or after offset."""
        begin = source.index("{", offset)
        level = 0
        for i in range(begin, len(source)):
            level += {"{": 1, "}": -1}.get(source[i], 0)
            if level == 0:
                return source[begin + 1:i]
        return source[begin + 1:]

    def pointer_fields(self, path, text, seen=None):
        """The function-pointer fields (kernel table, model streams, storage) a piece of
        source calls, itself or through any function defined in the same file that it calls,
        transitively (the compiler may have inlined any of them)."""
        seen = set() if seen is None else seen
        known = set(self.fields) | {f for (_, f) in CALLBACK_FIELDS}
        called = set(re.findall(r"(\w+)\s*\(", text))
        found = called & known
        # A call through a member pointer of the kernel table, (k.*f)(...): f is one of the
        # element-wise kernels the activation table names.
        if re.search(r"\.\*\s*\w+\s*\)\s*\(", text):
            found |= set(re.findall(r"&kernel_table::(\w+)", (ROOT / "include/microprop/activations.hpp").read_text()))
        source = pathlib.Path(path).read_text()
        # Definitions are looked for in the file and in the project headers it includes
        # (lib/layer_pass.hpp: inline functions the engine's functions inline).
        sources = [(path, source)] + [(str(pathlib.Path(path).parent / h), (pathlib.Path(path).parent / h).read_text())
                                      for h in re.findall(r'^#include "([\w./]+)"', source, re.M)
                                      if (pathlib.Path(path).parent / h).is_file()]
        for name in sorted(called - known - seen):
            seen.add(name)
            # A definition: the name at the start of a declarator, its parameter list, a body.
            for where, text_of in sources:
                for m in re.finditer(r"^[\w:<>&*,\s]*?\b" + re.escape(name) + r"\([^;{]*\)\s*(const\s*)?\{",
                                     text_of, re.M):
                    found |= self.pointer_fields(where, self.body_at(text_of, m.end() - 1), seen)
        return found

    def indirect_targets(self, key, callbacks):
        """Everything the indirect calls of a function can reach. Per function, not per call
        site: the compiler may merge call sites and give the merged call any one of their
        locations, so every pointer field the function's source calls (directly or in what
        it inlines) counts."""
        path, line, column = self.nodes[key]["where"].rsplit(":", 2)
        source = pathlib.Path(path).read_text()
        offset = sum(len(l) + 1 for l in source.splitlines()[:int(line) - 1]) + int(column) - 1
        names = {self.describe(key).split("::")[-1]} | set(source_names(mangled(key)))
        if not any(source.startswith(n, offset) for n in names):
            raise StackError(f"{path}:{line}:{column} is not where {self.describe(key)} begins: the source "
                             f"changed since the build; rebuild")
        fields = self.pointer_fields(path, self.body_at(source, offset))
        base = pathlib.Path(path).name
        if not fields & set(self.fields) and not any((base, f) in CALLBACK_FIELDS for f in fields):
            raise StackError(f"{self.describe(key)} ({path}:{line}) calls through a pointer that is neither a "
                             f"kernel-table field nor a known callback; add it to CALLBACK_FIELDS")
        targets = []
        for field in fields & set(self.fields):
            for address in self.tables[field]:
                targets += self.functions_at(address)
        for field in fields:
            for name in CALLBACK_FIELDS.get((base, field), []):
                if name == "storage callback":
                    targets += callbacks
                else:
                    found = self.find(r"\d" + name + r"E")
                    if not found:
                        raise StackError(f"{path}: callback {name} not found")
                    targets += found
        return targets

    def callees(self, key, callbacks):
        if key.startswith("image:"):
            _, callees = self.image.external(int(key[6:], 16))
            return [k for a in callees for k in self.functions_at(a)]
        out = []
        if any(target == "__indirect_call" for target, _ in self.nodes[key]["edges"]):
            out += self.indirect_targets(key, callbacks)
        for target, location in self.nodes[key]["edges"]:
            if target == "__indirect_call":
                continue
            elif target in self.nodes:
                out.append(target)
            elif mangled(target) in self.by_mangled:
                out += self.by_mangled[mangled(target)]
            elif target in self.image.addresses:
                out += self.functions_at(self.image.addresses[target])
            else:
                raise StackError(f"{self.describe(key)} calls {target}, which is neither described by the "
                                 f"compiler nor linked into {self.image.elf.name}")
        return out

    def frame(self, key):
        if key.startswith("image:"):
            return self.image.external(int(key[6:], 16))[0]
        node = self.nodes[key]
        if node["kind"] - {"static"}:
            raise StackError(f"{self.describe(key)}: frame of dynamic size ({', '.join(sorted(node['kind']))})")
        return node["frame"]

    def describe(self, key):
        if key.startswith("image:"):
            return self.image.blocks[int(key[6:], 16)][0]
        signature = self.nodes[key]["signature"]
        name = re.sub(r"^.*\s(?=\S+$)", "", re.sub(r"\(.*$", "", signature))
        return re.sub(r"(microprop|detail|cortex_m|scalar_elementwise|\{anonymous\})::", "", name) or mangled(key)

    def worst(self, key, callbacks=(), stack=()):
        """(bytes, deepest chain) from key down; fails on recursion."""
        memo_key = (key, tuple(callbacks))
        if memo_key in self._memo:
            return self._memo[memo_key]
        if key in stack:
            cycle = list(stack[stack.index(key):]) + [key]
            raise StackError("recursion: " + " -> ".join(self.describe(k) for k in cycle))
        best, chain = 0, []
        for callee in sorted(set(self.callees(key, list(callbacks)))):  # ties: the same chain every run
            depth, sub = self.worst(callee, callbacks, stack + (key,))
            if depth > best:
                best, chain = depth, sub
        result = (self.frame(key) + best, [key] + chain)
        self._memo[memo_key] = result
        return result

    def verify_against_image(self):
        """Every direct call or tail call the linked code of a function makes must be an edge
        of the compiler's graph (or an indirect call it resolved): the check that the graph
        the bounds are computed on is the code that runs."""
        problems = []
        for (key, callbacks), _result in list(self._memo.items()):
            if key.startswith("image:"):
                continue
            name = mangled(key)
            if name not in self.image.addresses:
                continue  # not linked (an unused copy)
            start = self.image.block_of(self.image.addresses[name])
            _, targets, _ = self.image.analyse(start)
            known = set(self.callees(key, list(callbacks)))
            for target in targets:
                target_name = self.image.blocks[target][0]
                if target_name.startswith(name.split(".")[0]) and ".cold" in target_name:
                    continue  # the function's own cold part
                keys = self.functions_at(target)
                if not set(keys) & known:
                    problems.append(f"{self.describe(key)} branches to {target_name}, "
                                    f"which its call-graph file does not list")
        if problems:
            raise StackError("the compiler's call graph and the linked code disagree:\n  " + "\n  ".join(problems))

    def bound(self, keys, callbacks=()):
        results = [self.worst(k, tuple(callbacks)) for k in keys]
        return max(results, key=lambda r: r[0])


def mangled(title):
    return title.rsplit(":", 1)[-1]


def source_names(symbol):
    """The identifiers in an Itanium-mangled name (length-prefixed)."""
    names, i = [], 0
    while i < len(symbol):
        m = re.match(r"\d+", symbol[i:])
        if m:
            n = int(m.group(0))
            names.append(symbol[i + len(m.group(0)):i + len(m.group(0)) + n])
            i += len(m.group(0)) + n
        else:
            i += 1
    return [n for n in names if re.match(r"^[A-Za-z_]\w+$", n)]


def declared_c_functions():
    return sorted(set(re.findall(r"\b(mp_\w+)\(", (ROOT / "include/microprop/microprop.h").read_text())))


def stack_report(build, machine):
    """Every entry point's static bound and painted measurement in a board build."""
    library = build / "CMakeFiles/microprop.dir"
    probe_objects = build / "examples/firmware/CMakeFiles/microprop_stack_probe.dir"
    cis = sorted(library.rglob("*.ci")) + sorted(probe_objects.rglob("*.ci"))
    if not any(library.rglob("*.ci")) or not any(probe_objects.rglob("*.ci")):
        raise StackError(f"{build}: no -fcallgraph-info files for the library and the stack probe "
                         f"(every board build adds the flags: CMakeLists.txt, examples/firmware/CMakeLists.txt)")
    elf = build / "examples/firmware/microprop_stack_probe"
    measured = {}
    out = run(qemu(machine) + ["-kernel", elf])
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0] == "stack" and fields[2].isdigit():
            _, name, size, result = fields
            measured["probe_" + name] = (int(size), int(result))
    graph = CallGraph(cis, elf, ROOT / "include/microprop/kernels.hpp")
    callbacks = [t for name in PROBE_STORAGE_CALLBACKS for t in graph.find(f"^{name}$")]
    if len(callbacks) != len(PROBE_STORAGE_CALLBACKS):
        raise StackError("the stack probe's storage callbacks are missing from its call-graph file")
    c_functions = declared_c_functions()
    if set(c_functions) != set(C_API):
        raise StackError(f"microprop.h and C_API disagree: unlisted {sorted(set(c_functions) - set(C_API))}, "
                         f"not declared {sorted(set(C_API) - set(c_functions))}")
    entries = [(name, graph.library_function(q), probe, budget) for name, q, probe, budget in ENTRY_POINTS]
    entries += [(f, graph.find(f"^{f}$"), f"probe_{f}" if f in C_API_PROBES else None, C_API[f])
                for f in c_functions]
    rows = []
    for name, keys, probe, budget in entries:
        if not keys:
            raise StackError(f"{name}: not in the library's call-graph files")
        library_bound, chain = graph.bound(keys)
        row = {"entry": name, "class": budget, "budget": STACK_BUDGETS[budget], "library": library_bound,
               "chain": [graph.describe(k) for k in chain], "static": library_bound, "measured": None,
               "probe": probe}
        if probe:
            probe_keys = graph.find(f"^{probe}$")
            if not probe_keys or probe not in measured:
                raise StackError(f"{name}: the stack probe has no {probe}")
            row["static"], _ = graph.bound(probe_keys, callbacks)
            row["measured"], row["result"] = measured[probe]
        rows.append(row)
    graph.verify_against_image()
    return rows


def stack_problems(rows, where):
    problems = []
    for r in rows:
        if r["static"] > r["budget"]:
            problems.append(f"{where}: {r['entry']}: static bound {r['static']} B exceeds the {r['class']} "
                            f"budget of {r['budget']} B ({' > '.join(r['chain'])})")
        if r["measured"] is not None:
            if r.get("result", 0) != 0:
                problems.append(f"{where}: {r['entry']}: the probe's call returned status {r['result']}")
            if r["measured"] > r["static"]:
                problems.append(f"{where}: {r['entry']}: measured {r['measured']} B, above its static bound "
                                f"{r['static']} B: the analysis missed a path")
    return problems
