"""The linked firmware image, read through nm and objdump (code the compiler described no
stack for: newlib, libgcc; symbol addresses; the kernel tables' contents)."""
import bisect
import re
import struct

from .shell import run, tool


class StackError(Exception):
    """Something the analysis cannot bound: it fails loudly rather than guess."""


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
