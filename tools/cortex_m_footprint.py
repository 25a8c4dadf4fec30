#!/usr/bin/python3
"""Footprint and instruction counts of microprop on every Cortex-M target, generated.

For each core (ports/cortex-m*/toolchain-*.cmake) at -Os and -O2 this builds the
online-training firmware (examples/firmware) and the instruction-count probe, then reads:
  - flash of the library: text + rodata of microprop's objects as linked into the firmware
    (its map file), so only what the firmware really uses counts;
  - RAM: the network (arena) the firmware declares, plus the library's static data;
  - the stack of train_step: measured (painted stack, instruction_counts.cpp) and the
    static worst case along its call chain from -fstack-usage;
  - instructions of one train_step and one predict for 64-32-10 and 256-64-10 sigmoid/
    softmax networks, under qemu-system-arm -icount shift=0 (deterministic).
It prints a Markdown table and, with --readme, rewrites the table between the markers
<!-- cortex-m-footprint:begin --> and <!-- cortex-m-footprint:end --> of README.md.

Usage: tools/cortex_m_footprint.py [--readme] [--build-dir build/footprint] [--cores m4,m55]
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORES = ["m3", "m4", "m7", "m33", "m55"]
# The per-configuration flags, not CMAKE_CXX_FLAGS, which would replace the toolchain's CPU flags.
OPTIMIZATIONS = {
    "-Os": ["-DCMAKE_BUILD_TYPE=MinSizeRel", "-DCMAKE_CXX_FLAGS_MINSIZEREL=-Os -DNDEBUG -fstack-usage"],
    "-O2": ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG -fstack-usage"],
}
BEGIN, END = "<!-- cortex-m-footprint:begin -->", "<!-- cortex-m-footprint:end -->"


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n"
                 f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def toolchain_value(core, name):
    text = (ROOT / f"ports/cortex-{core}/toolchain-cortex-{core}.cmake").read_text()
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


KERNEL_OBJECTS = {"helium": "kernels_mve", "fpu": "kernels_fpu", "scalar": "kernels_scalar"}


def stack_usage(build, kernels):
    """Static worst case of train_step's call chain, from the -fstack-usage files: each
    engine phase with the deepest kernel it calls through the active table."""
    engine, kernel = {}, {}
    for su in build.rglob("*.su"):
        for line in su.read_text().splitlines():
            where, size, _kind = line.rsplit("\t", 2)
            name = re.search(r"(\w+)\(", where.split(":", 3)[-1])
            if not name:
                continue
            table = engine if su.name.startswith("network") else (
                kernel if su.name.startswith(KERNEL_OBJECTS[kernels]) else None)
            if table is not None:
                table[name.group(1)] = max(table.get(name.group(1), 0), int(size))
    e = lambda *names: max(engine.get(n, 0) for n in names)
    k = lambda *names: max(kernel.get(n, 0) for n in names)
    backward_factors = k("sigmoid_backward", "tanh_backward", "relu_backward")
    phases = max(
        e("forward") + k("gemv", "max_abs", "sigmoid", "tanh_kernel", "relu", "softmax"),
        e("sample_loss"),
        e("entry_delta") + backward_factors,
        e("step_is_safe") + max(e("delta_bounds") + max(k("gemv_t", "max_abs"), backward_factors),
                                e("entry_delta") + backward_factors, k("max_abs")),
        e("backward") + max(k("gemv_t_ger", "ger", "axpy", "gemv_t", "max_abs"), backward_factors))
    return e("train_step") + max(e("check_sample") + e("check_target"), e("run_step") + phases)


def measure(core, opt, build_root, port=None):
    build = build_root / f"cortex-{core}{opt.replace('-', '_')}{'-' + port if port else ''}"
    run(["cmake", "-S", ROOT, "-B", build, "--toolchain",
         ROOT / f"ports/cortex-{core}/toolchain-cortex-{core}.cmake",
         "-DMICROPROP_BUILD_TESTS=OFF", f"-DMICROPROP_PORT={port or 'auto'}"] + OPTIMIZATIONS[opt])
    run(["cmake", "--build", build, "-j2", "--target", "microprop_firmware", "microprop_counts"])
    firmware = build / "examples/firmware/microprop_firmware"
    sections = library_sections(pathlib.Path(str(firmware) + ".map"))
    machine = toolchain_value(core, "MICROPROP_QEMU_MACHINE")
    qemu = ["qemu-system-arm", "-M", machine, "-display", "none", "-monitor", "none",
            "-serial", "null", "-semihosting-config", "enable=on,target=native"]
    out = run(qemu + ["-kernel", firmware])
    arena = int(re.search(r"network, (\d+) bytes of RAM", out).group(1))
    kernels = re.search(r"RAM, (\S+) kernels", out).group(1)
    counts = {}
    for line in run(qemu + ["-icount", "shift=0", "-kernel",
                            build / "examples/firmware/microprop_counts"]).splitlines():
        if line.startswith("count "):
            _, net, call, instructions, stack = line.split()
            counts[(net, call)] = (int(instructions), int(stack))
    return {
        "core": f"Cortex-{core.upper()}", "opt": opt, "kernels": kernels,
        "flash": sections.get(".text", 0) + sections.get(".rodata", 0),
        "static_ram": sections.get(".data", 0) + sections.get(".bss", 0),
        "arena": arena,
        "stack_measured": max(s for (_, call), (_, s) in counts.items() if call == "train_step"),
        "stack_static": stack_usage(build, kernels),
        "counts": counts,
    }


def table(rows):
    lines = [
        "| core | opt | kernels | library flash (B) | RAM: 16-32-4 arena + library data (B) "
        "| train_step stack, measured / static (B) | 64-32-10 train_step | 64-32-10 predict "
        "| 256-64-10 train_step | 256-64-10 predict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["counts"]
        lines.append(
            f"| {r['core']} | {r['opt']} | {r['kernels']} | {r['flash']:,} "
            f"| {r['arena']:,} + {r['static_ram']} | {r['stack_measured']} / {r['stack_static']} "
            f"| {c[('64-32-10', 'train_step')][0]:,} | {c[('64-32-10', 'predict')][0]:,} "
            f"| {c[('256-64-10', 'train_step')][0]:,} | {c[('256-64-10', 'predict')][0]:,} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite the table in README.md")
    parser.add_argument("--build-dir", default=str(ROOT / "build/footprint"))
    parser.add_argument("--cores", default=",".join(CORES), help="e.g. m4,m55")
    args = parser.parse_args()
    cores = args.cores.split(",")
    unknown = [c for c in cores if c not in CORES]
    if unknown:
        parser.error(f"unknown core(s) {', '.join(unknown)}; choose among {', '.join(CORES)}")
    rows = []
    for core in cores:
        for opt in OPTIMIZATIONS:
            print(f"cortex-{core} {opt} ...", file=sys.stderr, flush=True)
            rows.append(measure(core, opt, pathlib.Path(args.build_dir)))
        if core in ("m4", "m55"):
            # The same core with the portable scalar port: what its tuned kernels gain.
            print(f"cortex-{core} -O2, scalar port ...", file=sys.stderr, flush=True)
            rows.append(measure(core, "-O2", pathlib.Path(args.build_dir), port="scalar"))
    text = table(rows)
    print(text)
    if args.readme:
        readme = ROOT / "README.md"
        content = readme.read_text()
        if BEGIN not in content or END not in content:
            sys.exit(f"README.md has no {BEGIN} ... {END} markers")
        head, rest = content.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
        print("README.md updated", file=sys.stderr)


if __name__ == "__main__":
    main()
