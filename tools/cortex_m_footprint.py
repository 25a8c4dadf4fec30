#!/usr/bin/python3
"""Footprint, stack bounds and instruction counts of microprop on every Cortex-M target, generated.

For each core (ports/cortex-m*/toolchain-*.cmake) at -Os and -O2 this builds the
online-training firmware, the instruction-count probe and the stack probe
(examples/firmware), runs them under QEMU and reads:
  - flash of the library: text + rodata of microprop's objects as linked into the firmware
    (its map file), so only what the firmware really uses counts;
  - RAM: the network (arena) the firmware declares, plus the library's static data;
  - stack: for every public entry point (ENTRY_POINTS, C_API below), the static worst case
    along the call graph, from the compiler's -fstack-usage sizes and -fcallgraph-info
    graph (calls through the kernel table: every kernel the linked table holds; newlib and
    libgcc read from the linked image; recursion, frames of dynamic size and unresolved
    indirect calls fail), and the measured (painted) figure of stack_probe.cpp, both checked
    against STACK_BUDGETS;
  - instructions of train_step, train_then_predict and predict for 64-32-10 and 256-64-10
    sigmoid/softmax networks, and the smallest and largest count of one train_step on each
    kind of data of instruction_counts.cpp, under qemu-system-arm -icount shift=0.
It prints Markdown tables; with --readme it rewrites the generated parts of README.md
(between <!-- cortex-m-footprint:begin/end --> and <!-- real-time:begin/end -->) and of
docs/real-time.md.

--check-stack BUILD runs only the stack part on an existing board build (configured with a
toolchain file of ports/cortex-m*/, examples/firmware adds the compiler flags it needs):
the ctest test stack_budget. Exit status 1 if a budget is exceeded, a measurement exceeds
its static bound, or the analysis cannot bound a call; 77 if the tools are missing.

Usage: tools/cortex_m_footprint.py [--readme] [--build-dir build/footprint] [--cores m4,m55]
                                   [--opts=-Os,-O2] [--json FILE]
       tools/cortex_m_footprint.py --check-stack BUILD --machine mps2-an386
"""
import argparse
import bisect
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORES = ["m3", "m4", "m7", "m33", "m55"]
# The per-configuration flags, not CMAKE_CXX_FLAGS, which would replace the toolchain's CPU
# flags. (examples/firmware adds -fstack-usage -fcallgraph-info=su to the library and the
# stack probe in every board build; they only write report files.)
OPTIMIZATIONS = {
    "-Os": ["-DCMAKE_BUILD_TYPE=MinSizeRel", "-DCMAKE_CXX_FLAGS_MINSIZEREL=-Os -DNDEBUG"],
    "-O2": ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"],
}
MARKERS = {
    "footprint": ("<!-- cortex-m-footprint:begin -->", "<!-- cortex-m-footprint:end -->"),
    "real-time": ("<!-- real-time:begin -->", "<!-- real-time:end -->"),
    "budgets": ("<!-- budget-table:begin -->", "<!-- budget-table:end -->"),
    "stack": ("<!-- stack-table:begin -->", "<!-- stack-table:end -->"),
    "timing": ("<!-- timing-table:begin -->", "<!-- timing-table:end -->"),
}
# ---------------------------------------------------------------------------------------
# Stack budgets: the one place they are stated. Bytes of stack a call may use, counted from
# the caller's stack pointer (the call's own frames and everything below them); the
# storage callbacks of checkpoints are the firmware's and come on top (the probe's use
# memcpy/memset only). docs/real-time.md and the README quote these.
STACK_BUDGETS = {
    "training": 1024,     # train_step, train_step_target, train_then_predict, accumulate, apply_batch
    "prediction": 768,    # predict, prediction from flash
    "setup": 512,         # initialize, set_input_limit, create, attach, sizes and counters
    "model files": 1536,  # save, load, create_from_model, checkpoints
}

# Every public entry point: (name, the library function it runs (qualified name as the
# compiler writes it), the probe of examples/firmware/stack_probe.cpp that calls it or
# None, budget). The C++ API's member functions are inline wrappers that build a
# network_ref and call the library function; the probes include that wrapper's frame.
ENTRY_POINTS = [
    ("train_step", "microprop::detail::train_step", "probe_train_step", "training"),
    ("train_step_target", "microprop::detail::train_step", "probe_train_step_target", "training"),
    ("train_step_target (tanh/relu/identity)", "microprop::detail::train_step",
     "probe_train_step_target_regression", "training"),
    ("train_then_predict", "microprop::detail::train_then_predict", "probe_train_then_predict", "training"),
    ("accumulate", "microprop::detail::accumulate", "probe_accumulate", "training"),
    ("apply_batch", "microprop::detail::apply_batch", "probe_apply_batch", "training"),
    ("predict", "microprop::detail::predict", "probe_predict", "prediction"),
    ("predict (flash_network)", "microprop::predict", "probe_flash_predict", "prediction"),
    ("initialize", "microprop::detail::initialize", "probe_initialize", "setup"),
    ("set_input_limit", "microprop::detail::set_input_limit", "probe_set_input_limit", "setup"),
    ("Network::create", "microprop::Network::create", "probe_create", "setup"),
    ("Network::attach", "microprop::Network::attach", None, "setup"),
    ("save", "microprop::detail::save_model", "probe_save", "model files"),
    ("load", "microprop::detail::load_model", "probe_load", "model files"),
    ("Network::create_from_model", "microprop::Network::create_from_model", "probe_create_from_model",
     "model files"),
    ("save_checkpoint", "microprop::detail::save_checkpoint", "probe_save_checkpoint", "model files"),
    ("restore_checkpoint", "microprop::detail::restore_checkpoint", "probe_restore_checkpoint", "model files"),
    ("read_model_shape", "microprop::read_model_shape", None, "model files"),
    ("model_size", "microprop::detail::model_size", None, "setup"),
    ("set_layer", "microprop::detail::set_layer", None, "setup"),
    ("get_layer", "microprop::detail::get_layer", None, "setup"),
]
# The C API (microprop.h): every function it declares must be listed here.
C_API = {
    "mp_train_step": "training", "mp_train_step_target": "training", "mp_train_then_predict": "training",
    "mp_predict": "prediction", "mp_predict_flash": "prediction",
    "mp_create": "setup", "mp_attach": "setup", "mp_set_input_limit": "setup", "mp_required_size": "setup",
    "mp_save": "model files", "mp_load": "model files", "mp_create_from_model": "model files",
    "mp_model_required_size": "model files",
    "mp_alignment": "setup", "mp_row_floats": "setup", "mp_status_message": "setup",
    "mp_input_size": "setup", "mp_output_size": "setup", "mp_steps": "setup", "mp_output": "setup",
    "mp_model_size": "setup", "mp_flash_scratch_floats": "setup",
    "mp_train_then_predict_target": "training", "mp_accumulate": "training", "mp_accumulate_target": "training",
    "mp_apply_batch": "training",
    "mp_batch_count": "setup", "mp_layer_count": "setup", "mp_layer_shape": "setup", "mp_set_layer": "setup",
    "mp_get_layer": "setup", "mp_required_size_minibatch": "setup", "mp_create_minibatch": "setup",
    "mp_checkpoint_slot_bytes": "setup",
    "mp_save_checkpoint": "model files", "mp_restore_checkpoint": "model files",
    "mp_create_from_model_minibatch": "model files", "mp_model_required_size_minibatch": "model files",
}
C_API_PROBES = {"mp_create", "mp_set_input_limit", "mp_train_step", "mp_train_step_target", "mp_predict",
                "mp_train_then_predict", "mp_save", "mp_load", "mp_create_from_model", "mp_predict_flash"}

# Indirect calls the library makes besides the kernel table's: (source file, the field it
# calls) -> the functions that field can hold. "storage callback" is the firmware's own
# checkpoint storage (the probe's probe_storage_* functions, or nothing for the library's
# own bound).
CALLBACK_FIELDS = {
    ("model_file.cpp", "read"): ["read_slot"],                      # model_source::read
    ("model_file.cpp", "write"): ["write_to_memory", "write_slot"],  # model_sink::write
    ("checkpoint.cpp", "read"): ["storage callback"],
    ("checkpoint.cpp", "write"): ["storage callback"],
    ("checkpoint.cpp", "erase"): ["storage callback"],
}
PROBE_STORAGE_CALLBACKS = ["probe_storage_read", "probe_storage_write", "probe_storage_erase"]


class StackError(Exception):
    """Something the analysis cannot bound: it fails loudly rather than guess."""


def tool(name):
    return f"arm-none-eabi-{name}"


class Image:
    """The linked firmware, through objdump and nm: code of the functions that have no
    compiler stack file (newlib, libgcc), symbol addresses, the kernel tables' contents."""

    def __init__(self, elf):
        self.elf = elf
        self.addresses = {}  # symbol -> address (Thumb bit cleared)
        self.names = {}      # address -> symbols
        for line in run([tool("nm"), "--defined-only", elf]).splitlines():
            parts = line.split()
            if len(parts) != 3:
                continue
            address = int(parts[0], 16) & ~1
            self.addresses.setdefault(parts[2], address)
            self.names.setdefault(address, []).append(parts[2])
        self.blocks = {}  # start address -> (header name, [(address, mnemonic, operands)])
        current = None
        header = re.compile(r"^([0-9a-f]+) <(.+)>:$")
        instruction = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")  # 8-digit addresses: no indent
        # objdump does not take Armv8.1-M's MVE instructions from the file's attributes (it
        # decodes vctp as a branch-future instruction): name the architecture.
        machine = []
        if "v8.1-M" in run([tool("readelf"), "-A", elf]):
            machine = ["-m", "armv8.1-m.main"]
        for line in run([tool("objdump"), "-d", "--no-show-raw-insn"] + machine + [elf]).splitlines():
            h = header.match(line)
            if h:
                current = int(h.group(1), 16)
                self.blocks[current] = (h.group(2), [])
                continue
            i = instruction.match(line)
            if i and current is not None:
                self.blocks[current][1].append((int(i.group(1), 16), i.group(2), i.group(3)))
        self.starts = sorted(self.blocks)
        if not self.starts or not any(code for _, code in self.blocks.values()):
            raise StackError(f"{elf}: objdump's disassembly was not understood")
        self._analysed = {}

    def block_of(self, address):
        i = bisect.bisect_right(self.starts, address) - 1
        if i < 0:
            raise StackError(f"no code at {address:#x} in {self.elf}")
        return self.starts[i]

    def words(self, address, count):
        out = run([tool("objdump"), "-s", f"--start-address={address:#x}",
                   f"--stop-address={address + 4 * count:#x}", self.elf])
        data = b""
        for line in out.splitlines():
            m = re.match(r"^ ([0-9a-f]{4,}) ((?:[0-9a-f]{2,8} ?){1,4})", line)
            if m:
                data += bytes.fromhex(m.group(2).replace(" ", ""))
        return list(struct.unpack(f"<{count}I", data[:4 * count]))

    def analyse(self, start):
        """Frame bytes and callees (block addresses) of the code block at start, from its
        instructions: pushes, vpushes and sp subtractions summed over the whole block (every
        path at once: an upper bound), direct branches and calls out of the block."""
        if start in self._analysed:
            return self._analysed[start]
        name, code = self.blocks[start]
        end = self.starts[self.starts.index(start) + 1] if start != self.starts[-1] else 1 << 32
        frame, callees, problems = 0, set(), []

        def registers(text):
            count = 0
            for part in text.strip("{} ").split(","):
                part = part.strip()
                r = re.match(r"^([rsd])(\d+)-[rsd]?(\d+)$", part)
                size = 8 if part.startswith("d") else 4
                count += (int(r.group(3)) - int(r.group(2)) + 1) * size if r else size
            return count

        for address, mnemonic, operands in code:
            op = mnemonic.split(".")[0]
            if op in ("push", "vpush"):
                frame += registers(operands)
            elif op in ("stmdb", "stmfd", "vstmdb") and operands.startswith("sp!"):
                frame += registers(operands.split(",", 1)[1])
            elif op in ("sub", "subw") and re.match(r"^sp, (sp, )?#\d+", operands):
                frame += int(re.search(r"#(\d+)", operands).group(1))
            elif re.search(r"\[sp, #-(\d+)\]!", operands):
                frame += int(re.search(r"\[sp, #-(\d+)\]!", operands).group(1))
            elif op in ("sub", "subw") and re.match(r"^sp, (sp, )?(r\d+|ip|fp|sl|sb|lr)", operands):
                problems.append(f"{name}: stack pointer lowered by a register ({mnemonic} {operands}): "
                                f"a frame of dynamic size")
            if op in ("blx", "bx") and re.match(r"^(r\d+|ip|fp|sl|sb)$", operands):
                problems.append(f"{name}: indirect call or jump ({mnemonic} {operands}) in code without "
                                f"a call graph from the compiler")
            if op.startswith("b") or op.startswith("cb"):
                target = re.search(r"(?:^|, )([0-9a-f]+) <", operands)
                if target:
                    t = int(target.group(1), 16)
                    if not start <= t < end:
                        callees.add(self.block_of(t))
        self._analysed[start] = (frame, sorted(callees), problems)
        return self._analysed[start]

    def external(self, start):
        """analyse() for code the compiler did not describe: anything it cannot bound fails."""
        frame, callees, problems = self.analyse(start)
        if not self.blocks[start][1]:
            problems.append(f"{self.blocks[start][0]}: no instructions read")
        if problems:
            raise StackError("; ".join(problems))
        return frame, callees


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
        source = pathlib.Path(path).read_text()
        for name in sorted(called - known - seen):
            seen.add(name)
            # A definition: the name at the start of a declarator, its parameter list, a body.
            for m in re.finditer(r"^[\w:<>&*,\s]*?\b" + re.escape(name) + r"\([^;{]*\)\s*(const\s*)?\{",
                                 source, re.M):
                found |= self.pointer_fields(path, self.body_at(source, m.end() - 1), seen)
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
        for callee in set(self.callees(key, list(callbacks))):
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


# ---------------------------------------------------------------------------------------
# Builds and measurements

def run(command, **kwargs):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n"
                 f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def toolchain_value(core, name):
    text = (ROOT / f"ports/toolchains/cortex-{core}.cmake").read_text()
    return re.search(rf"set\({name} ([^)]+)\)", text).group(1).strip()


def library_sections(map_file):
    """Bytes of libmicroprop.a's input sections per output section of the final link."""
    sizes = {}
    output = None
    pending = None  # an input section name whose address/size line follows
    entry = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)")
    for line in map_file.read_text().splitlines():
        if line.startswith("Discarded input sections"):
            output = "discarded"
            continue
        if line.startswith("Linker script and memory map"):
            output = None
            continue
        head = re.match(r"^(\.[\w.]+)(\s|$)", line)
        if head and not line.startswith(" "):
            output = head.group(1)
            continue
        if output in (None, "discarded"):
            continue
        m = re.match(r"^ (\.[^\s]+)(.*)$", line)
        rest = line
        if m:
            pending = m.group(1)
            rest = m.group(2)
            if not rest.strip():
                continue
        e = entry.match(rest if m else line)
        if e and pending and "libmicroprop.a(" in e.group(3):
            sizes[output] = sizes.get(output, 0) + int(e.group(2), 16)
        if e:
            pending = None
    return sizes


def qemu(machine, icount=False):
    command = ["qemu-system-arm", "-M", machine, "-display", "none", "-monitor", "none",
               "-serial", "null", "-semihosting-config", "enable=on,target=native"]
    return command + (["-icount", "shift=0"] if icount else [])


def declared_c_functions():
    return sorted(set(re.findall(r"\b(mp_\w+)\(", (ROOT / "include/microprop/microprop.h").read_text())))


def stack_report(build, machine):
    """Every entry point's static bound and painted measurement in a board build."""
    library = build / "CMakeFiles/microprop.dir"
    probe_objects = build / "examples/firmware/CMakeFiles/microprop_stack_probe.dir"
    cis = sorted(library.rglob("*.ci")) + sorted(probe_objects.rglob("*.ci"))
    if not any(library.rglob("*.ci")) or not any(probe_objects.rglob("*.ci")):
        raise StackError(f"{build}: no -fcallgraph-info files for the library and the stack probe "
                         f"(examples/firmware/CMakeLists.txt adds the flags in board builds)")
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


def measure(core, opt, build_root, port=None):
    build = build_root / f"cortex-{core}{opt.replace('-', '_')}{'-' + port if port else ''}"
    run(["cmake", "-S", ROOT, "-B", build, "--toolchain",
         ROOT / f"ports/toolchains/cortex-{core}.cmake",
         "-DMICROPROP_BUILD_TESTS=OFF", f"-DMICROPROP_PORT={port or 'auto'}"] + OPTIMIZATIONS[opt])
    run(["cmake", "--build", build, "-j2", "--target", "microprop_firmware", "microprop_counts",
         "microprop_stack_probe"])
    firmware = build / "examples/firmware/microprop_firmware"
    sections = library_sections(pathlib.Path(str(firmware) + ".map"))
    machine = toolchain_value(core, "MICROPROP_QEMU_MACHINE")
    out = run(qemu(machine) + ["-kernel", firmware])
    arena = int(re.search(r"network, (\d+) bytes of RAM", out).group(1))
    kernels = re.search(r"RAM, (\S+) kernels", out).group(1)
    counts, cases = {}, {}
    for line in run(qemu(machine, icount=True) + ["-kernel", build / "examples/firmware/microprop_counts"]).splitlines():
        fields = line.split()
        if fields and fields[0] == "count":
            counts[(fields[1], fields[2])] = int(fields[3])
        elif fields and fields[0] == "case":
            net, case, calls, least, most, expected, ok = fields[1:]
            if ok != "1":
                sys.exit(f"cortex-{core} {opt}: train_step on {case} data ({net}) did not always return "
                         f"status {expected}: the case does not measure what it claims")
            cases[(net, case)] = (int(least), int(most), int(expected))
    try:
        stack = stack_report(build, machine)
    except StackError as e:
        sys.exit(f"cortex-{core} {opt}: {e}")
    return {
        "core": f"Cortex-{core.upper()}", "opt": opt, "port": port, "kernels": kernels,
        "flash": sections.get(".text", 0) + sections.get(".rodata", 0),
        "static_ram": sections.get(".data", 0) + sections.get(".bss", 0),
        "arena": arena, "counts": counts, "cases": cases, "stack": stack,
    }


# ---------------------------------------------------------------------------------------
# Tables

def stack_row(result, entry):
    return next(r for r in result["stack"] if r["entry"] == entry)


def footprint_table(results):
    lines = [
        "| core | opt | kernels | library flash (B) | RAM: 16-32-4 arena + library data (B) "
        "| train_step stack, measured / static (B) | 64-32-10 train_step | 64-32-10 train_then_predict "
        "| 64-32-10 predict | 256-64-10 train_step | 256-64-10 train_then_predict | 256-64-10 predict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r["counts"]
        s = stack_row(r, "train_step")
        lines.append(
            f"| {r['core']} | {r['opt']} | {r['kernels']} | {r['flash']:,} "
            f"| {r['arena']:,} + {r['static_ram']} | {s['measured']} / {s['static']} "
            + "".join(f"| {c[(net, call)]:,} " for net in ("64-32-10", "256-64-10")
                      for call in ("train_step", "train_then_predict", "predict")) + "|")
    return "\n".join(lines)


def config_name(r):
    return f"{r['core'].replace('Cortex-', '')} {r['opt']}"


def stack_table(results):
    """Every entry point (rows) in every configuration (columns): static bound / measured."""
    results = [r for r in results if not r["port"]]
    head = "| entry point | budget (B) | " + " | ".join(config_name(r) for r in results) + " |"
    lines = [head, "|---|---|" + "---|" * len(results)]
    for i, row in enumerate(results[0]["stack"]):
        cells = []
        for r in results:
            s = r["stack"][i]
            cells.append(f"{s['static']} / {s['measured']}" if s["measured"] is not None else f"{s['static']}")
        name = row["entry"]
        lines.append(f"| `{name}` | {row['budget']} ({row['class']}) | " + " | ".join(cells) + " |")
    lines += ["", "The deepest path of `train_step` (the library function alone):", ""]
    for r in results:
        s = stack_row(r, "train_step")
        lines.append(f"- {config_name(r)}, {s['library']} B: {' > '.join(s['chain'])}")
    return "\n".join(lines)


def budget_table():
    """STACK_BUDGETS and the entry points each one covers."""
    lines = ["| class | budget | entry points |", "|---|---|---|"]
    for budget, size in STACK_BUDGETS.items():
        names = sorted({n for n, _, _, b in ENTRY_POINTS if b == budget and "(tanh" not in n}, key=lambda n: (
            [e[0] for e in ENTRY_POINTS].index(n)))
        names += sorted(f for f, b in C_API.items() if b == budget)
        lines.append(f"| {budget} | {size:,} B | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(lines)


def single_stack_table(rows):
    lines = ["| entry point | budget (B) | static bound from a call site / measured (B) | library alone (B) "
             "| deepest chain |", "|---|---|---|---|---|"]
    for s in rows:
        figure = f"{s['static']} / {s['measured']}" if s["measured"] is not None else f"{s['static']} / -"
        lines.append(f"| {s['entry']} | {s['budget']} | {figure} | {s['library']} | {' > '.join(s['chain'])} |")
    return "\n".join(lines)


CASE_ORDER = ["typical", "typical_without_loss", "zero", "saturating", "subnormal", "exp_subnormal_range",
              "at_input_limit", "exact_pass", "exact_pass_refused", "slowest_combined", "forward_overflow", "nan_input",
              "infinite_input", "beyond_input_limit", "bad_label", "bad_eta"]
STATUS_NAMES = {0: "ok", 5: "invalid_learning_rate", 6: "non_finite_input", 9: "label_out_of_range",
                13: "diverged", 25: "input_out_of_range"}


def span(least, most):
    return f"{least:,}" if least == most else f"{least:,} – {most:,}"


def timing_table(results, net):
    """train_step's instructions per kind of data (rows), per core at -O2 (columns)."""
    results = [r for r in results if r["opt"] == "-O2" and not r["port"]]
    lines = [f"| data ({net}) | status | " + " | ".join(r["core"].replace("Cortex-", "") for r in results) + " |",
             "|---|---|" + "---|" * len(results)]
    for case in CASE_ORDER:
        if (net, case) not in results[0]["cases"]:
            continue
        status = STATUS_NAMES.get(results[0]["cases"][(net, case)][2], "?")
        cells = [span(*r["cases"][(net, case)][:2]) for r in results]
        lines.append(f"| {case.replace('_', ' ')} | {status} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worst_case_table(results):
    """The bound's parts per core at -O2: the shape's path, what the exact pass adds, the
    slow paths on top, the worst measured."""
    results = [r for r in results if r["opt"] == "-O2" and not r["port"]]
    lines = ["| core (-O2) | network | shape's path (typical, max) | + exact pass | + slow paths "
             "| worst measured (slowest combined) | worst / typical |", "|---|---|---|---|---|---|---|"]
    for r in results:
        for net in ("64-32-10", "16-32-4"):
            c = r["cases"]
            typical, exact, worst = c[(net, "typical")][1], c[(net, "exact_pass")][1], c[(net, "slowest_combined")][1]
            lines.append(f"| {r['core']} | {net} | {typical:,} | {exact - typical:+,} | {worst - exact:+,} "
                         f"| {worst:,} | {worst / typical:.2f} |")
    return "\n".join(lines)


def real_time_summary(results):
    """The README's section: budgets, the largest bounds, train_step's time per kind of data."""
    plain = [r for r in results if not r["port"]]
    lines = [
        "### Real time: stack and time bounds (generated)",
        "",
        textwrap.fill(
        "The stack of every public entry point (C++ and C) is bounded statically along the compiler's "
        "call graph (`-fstack-usage`, `-fcallgraph-info`; a call through the kernel table counts the "
        "deepest kernel the linked table holds, newlib and libgcc are read from the image; recursion or a "
        "frame of dynamic size fails the analysis) and measured by painting, on every core at `-Os` and "
        "`-O2`. The ctest test `stack_budget` checks both against the budgets below in every Cortex-M suite. "
        "`train_step` has no loop whose length depends on the data: its instruction count is set by the "
        "network's shape, plus at most one exact overflow pass when the cheap bound is too loose (and, on "
        "the soft-float M3, the operands' cost). Method, every data-dependent branch and the full tables: "
        "[docs/real-time.md](docs/real-time.md).", width=92, break_on_hyphens=False),
        "",
        "| budget | entry points | largest static bound / largest measured, any core, -Os or -O2 (B) |",
        "|---|---|---|"]
    for budget, size in STACK_BUDGETS.items():
        names = [s["entry"] for s in plain[0]["stack"] if s["class"] == budget and not s["entry"].startswith("mp_")]
        names = [n for n in names if "(tanh" not in n]
        worst = max(((s["static"], s["entry"], config_name(r)) for r in plain for s in r["stack"]
                     if s["class"] == budget), key=lambda w: w[0])
        measured = max((s["measured"] or 0) for r in plain for s in r["stack"] if s["class"] == budget)
        c_names = sorted(f for f, b in C_API.items() if b == budget)
        lines.append(f"| {budget}: {size:,} B | {', '.join(f'`{n}`' for n in names)}; C: "
                     f"{', '.join(f'`{n}`' for n in c_names)} | {worst[0]} (`{worst[1]}`, {worst[2]}) / {measured} |")
    lines += ["", "Instructions of one `train_step` (min – max over 32 calls per kind of data; QEMU counts\n"
              "instructions, not cycles):", "",
              "| core (-O2) | network | typical data | exact overflow pass | slowest measured: every slow path "
              "at once | refused input (NaN, inf, beyond the limit) |", "|---|---|---|---|---|---|"]
    for r in plain:
        if r["opt"] != "-O2":
            continue
        for net in ("64-32-10", "16-32-4"):
            c = r["cases"]
            refused = [c[(net, k)] for k in ("nan_input", "infinite_input", "beyond_input_limit")]
            slowest = max((c[(net, k)][1], k) for k in CASE_ORDER if (net, k) in c and c[(net, k)][2] == 0)
            lines.append(f"| {r['core']} | {net} | {span(*c[(net, 'typical')][:2])} "
                         f"| {span(*c[(net, 'exact_pass')][:2])} | {slowest[0]:,} ({slowest[1].replace('_', ' ')}) "
                         f"| {span(min(a[0] for a in refused), max(a[1] for a in refused))} |")
    return "\n".join(lines)


def replace_between(path, key, text):
    begin, end = MARKERS[key]
    content = path.read_text()
    if begin not in content or end not in content:
        sys.exit(f"{path.name} has no {begin} ... {end} markers")
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


# ---------------------------------------------------------------------------------------

def check_stack(build, machine):
    """The ctest test stack_budget: one existing board build, its stack only."""
    for needed in ("qemu-system-arm", tool("objdump"), tool("nm"), tool("readelf")):
        if shutil.which(needed) is None:
            print(f"skipped: {needed} is not installed")
            return 77
    try:
        rows = stack_report(pathlib.Path(build), machine)
    except StackError as e:
        print(f"stack analysis failed: {e}")
        return 1
    print(single_stack_table(rows))
    print("\nbudgets: " + ", ".join(f"{k} {v} B" for k, v in STACK_BUDGETS.items()))
    problems = stack_problems(rows, machine)
    for p in problems:
        print("FAILED:", p)
    if not problems:
        print("stack budgets: every entry point within its budget, every measurement within its bound")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true",
                        help="rewrite the generated tables of README.md and docs/real-time.md")
    parser.add_argument("--build-dir", default=str(ROOT / "build/footprint"))
    parser.add_argument("--cores", default=",".join(CORES), help="e.g. m4,m55")
    parser.add_argument("--opts", default=",".join(OPTIMIZATIONS), help="e.g. -Os")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--check-stack", metavar="BUILD", help="check the stack budgets of an existing board build")
    parser.add_argument("--machine", help="with --check-stack: the QEMU machine of that build")
    args = parser.parse_args()
    if args.check_stack:
        if not args.machine:
            parser.error("--check-stack needs --machine")
        sys.exit(check_stack(args.check_stack, args.machine))
    cores = args.cores.split(",")
    opts = args.opts.split(",")
    unknown = [c for c in cores if c not in CORES] + [o for o in opts if o not in OPTIMIZATIONS]
    if unknown:
        parser.error(f"unknown core(s) or optimization(s) {', '.join(unknown)}")
    if args.readme and (set(cores) != set(CORES) or set(opts) != set(OPTIMIZATIONS)):
        parser.error("--readme needs every core and optimization")
    results = []
    for core in cores:
        for opt in opts:
            print(f"cortex-{core} {opt} ...", file=sys.stderr, flush=True)
            results.append(measure(core, opt, pathlib.Path(args.build_dir)))
        if core in ("m4", "m55") and "-O2" in opts:
            # The same core with the portable scalar port: what its tuned kernels gain.
            print(f"cortex-{core} -O2, scalar port ...", file=sys.stderr, flush=True)
            results.append(measure(core, "-O2", pathlib.Path(args.build_dir), port="scalar"))
    problems = [p for r in results for p in stack_problems(r["stack"], config_name(r))]
    footprint = footprint_table(results)
    stack = stack_table(results)
    print(footprint + "\n\n" + stack + "\n")
    if "-O2" in opts:
        timing = "\n\n".join([timing_table(results, net) for net in ("64-32-10", "16-32-4")] +
                             ["The worst case, part by part (the exact pass's and the slow paths' largest counts "
                              "over their calls):", worst_case_table(results)])
        print(timing + "\n\n" + real_time_summary(results))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [{**r, "counts": {f"{k[0]} {k[1]}": v for k, v in r["counts"].items()},
              "cases": {f"{k[0]} {k[1]}": v for k, v in r["cases"].items()}} for r in results], indent=1))
    for p in problems:
        print("FAILED:", p, file=sys.stderr)
    if problems:
        sys.exit(1)
    if args.readme:
        replace_between(ROOT / "README.md", "footprint", footprint)
        replace_between(ROOT / "README.md", "real-time", real_time_summary(results))
        replace_between(ROOT / "docs/real-time.md", "budgets", budget_table())
        replace_between(ROOT / "docs/real-time.md", "stack", stack)
        replace_between(ROOT / "docs/real-time.md", "timing", timing)
        print("README.md and docs/real-time.md updated", file=sys.stderr)


if __name__ == "__main__":
    main()
