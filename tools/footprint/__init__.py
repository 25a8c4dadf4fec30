"""tools/cortex_m_footprint.py, by responsibility:
  targets   the Cortex-M targets of ports/targets.json (cores, toolchain files, QEMU machines)
  shell     running cmake, the cross binutils and qemu-system-arm
  measure   building and running the firmware images of one configuration, reading their figures
  image     the linked image through nm and objdump
  stack     the static stack bound along the compiler's call graph, and its checks
  budgets   the stack budgets and the entry points they cover (edit here when the API grows)
  report    the Markdown tables and the generated parts of docs/cortex-m.md and docs/real-time.md
  cli       the command line
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
