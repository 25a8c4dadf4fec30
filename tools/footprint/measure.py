"""Builds the firmware images of one core in one configuration (examples/firmware), runs them
under QEMU and reads their figures: library flash and RAM from the map file, the arena, the
instruction counts, the stack report."""
import pathlib
import re
import sys

from . import ROOT, targets
from .shell import qemu, run
from .stack import StackError, stack_report

# The per-configuration flags, not CMAKE_CXX_FLAGS, which would replace the toolchain's CPU
# flags. (Every board build adds -fstack-usage -fcallgraph-info=su to the library and the
# stack probe; they only write report files.)
OPTIMIZATIONS = {
    "-Os": ["-DCMAKE_BUILD_TYPE=MinSizeRel", "-DCMAKE_CXX_FLAGS_MINSIZEREL=-Os -DNDEBUG"],
    "-O2": ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"],
}


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


def measure(core, opt, build_root, port=None):
    build = build_root / f"cortex-{core}{opt.replace('-', '_')}{'-' + port if port else ''}"
    target = targets.target(core)
    run(["cmake", "-S", ROOT, "-B", build, "--toolchain", ROOT / target["toolchain"],
         "-DMICROPROP_BUILD_TESTS=OFF", f"-DMICROPROP_PORT={port or 'auto'}"] + OPTIMIZATIONS[opt])
    run(["cmake", "--build", build, "-j2", "--target", "microprop_firmware", "microprop_counts",
         "microprop_stack_probe"])
    firmware = build / "examples/firmware/microprop_firmware"
    sections = library_sections(pathlib.Path(str(firmware) + ".map"))
    machine = target["qemu_machine"]
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
