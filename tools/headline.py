#!/usr/bin/python3
"""The README's headline table, quoted from the generated pages of docs/.

Reads the generated sections (between <!-- NAME:begin --> and <!-- NAME:end -->) of
  docs/benchmarks.md  bench-report        (tools/plot_benchmarks.py: host CPU times)
  docs/cortex-m.md    cortex-m-footprint  (tools/cortex_m_footprint.py: flash, stack,
                                           instructions per call)
  docs/real-time.md   real-time           (tools/cortex_m_footprint.py: slowest train_step)
and writes one table between <!-- headline:begin --> and <!-- headline:end --> of README.md.
It measures nothing: every figure is copied from those sections, so the README can only
say what the generated pages say. Both generators call it after rewriting their page.

Usage: python3 tools/headline.py            rewrite README.md's headline table
       python3 tools/headline.py --check    exit 1 if README.md's table is not what the
                                            pages give (the test readme_docs)
"""
import argparse
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- headline:begin -->", "<!-- headline:end -->"

NET = "64-32-10"  # the network of the quick start and of the API example
CORES = [  # (column, core, optimization, kernels): the Cortex-M configurations quoted
    ("Cortex-M3, scalar (soft float)", "Cortex-M3", "-O2", "scalar"),
    ("Cortex-M4F, fpu", "Cortex-M4", "-O2", "fpu"),
    ("Cortex-M55, helium", "Cortex-M55", "-O2", "helium"),
]
CALLS = [("train_step", "`train_step` (one SGD step)"),
         ("train_then_predict", "`train_then_predict` (the pipelined step, per sample)"),
         ("predict", "`predict`")]


class PageError(Exception):
    pass


def section(path, name):
    """The text between a page's <!-- name:begin --> and <!-- name:end -->."""
    text = path.read_text(encoding="utf-8")
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in text or end not in text:
        raise PageError(f"{path.relative_to(ROOT)} has no {begin} ... {end} section")
    return text.split(begin, 1)[1].split(end, 1)[0]


def tables(text):
    """Every Markdown table of a text: (the paragraph before it, its rows as dicts)."""
    found, paragraph, caption, block = [], [], "", []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            if not block and paragraph:
                caption, paragraph = " ".join(paragraph), []
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if block:
            found.append((caption, [dict(zip(block[0], r)) for r in block[2:]]))
            block = []
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            caption, paragraph = " ".join(paragraph), []
    return found


def table(text, starts, where):
    for caption, rows in tables(text):
        if caption.startswith(starts):
            return rows
    raise PageError(f"{where}: no table after a line starting with {starts!r}")


def row(rows, where, **key):
    for r in rows:
        if all(r.get(k) == v for k, v in key.items()):
            return r
    raise PageError(f"{where}: no row {key}")


def cell(r, column, where):
    if column not in r:
        raise PageError(f"{where}: no column {column!r}")
    return r[column]


def time_of(text):
    """'377 ns' or '0.90× (339 ns)' -> '377 ns' / '339 ns'."""
    m = re.search(r"\(([^()]*)\)\s*$", text)
    return m.group(1) if m else text


def first_number(text):
    return text.split(" ", 1)[0]


def host_column(root):
    page = root / "docs/benchmarks.md"
    where = "docs/benchmarks.md, bench-report"
    text = section(page, "bench-report")
    machine = re.search(r"^Machine: (.+?), \d+ cores?.*?compiler (.+?) `(.+?)`; run (\d{4}-\d\d-\d\d)",
                        text, re.M)
    best = re.search(r"the peer benchmark uses the best one \(([^)]+)\)", text)
    if not machine or not best:
        raise PageError(f"{where}: no 'Machine:' line or no kernel table of the peer benchmark")
    steps = table(text, "`train_step`: peer time", where)
    predicts = table(text, "`predict`: peer time", where)
    small, large = row(steps, where, shape=NET), row(steps, where, shape="784-128-10")
    figures = {
        "train_step": cell(small, "microprop", where),
        "train_then_predict": time_of(cell(small, "microprop_pipelined", where)),
        "predict": cell(row(predicts, where, shape=NET), "microprop", where),
        "peers": " / ".join(time_of(cell(small, p, where)) for p in ("fann", "eigen", "eigen_native")),
        "large": f"{cell(large, 'microprop', where)} / {time_of(cell(large, 'microprop_pipelined', where))}",
    }
    cpu = re.sub(r"\s*\(.*\)$", "", machine.group(1))
    return {"title": f"x86-64, {cpu}, {best.group(1)}", "cpu": machine.group(1),
            "compiler": f"{machine.group(2)} `{machine.group(3)}`", "date": machine.group(4),
            **figures}


def core_columns(root):
    where = "docs/cortex-m.md, cortex-m-footprint"
    sizes = tables(section(root / "docs/cortex-m.md", "cortex-m-footprint"))
    if not sizes:
        raise PageError(f"{where}: no table")
    sizes = sizes[0][1]
    where_rt = "docs/real-time.md, real-time"
    slowest = table(section(root / "docs/real-time.md", "real-time"), "Instructions of one `train_step`",
                    where_rt)
    columns = []
    for title, core, opt, kernels in CORES:
        r = row(sizes, where, core=core, opt=opt, kernels=kernels)
        small = row(sizes, where, core=core, opt="-Os", kernels=kernels)
        worst = row(slowest, where_rt, **{"core (-O2)": core, "network": NET})
        columns.append({
            "title": title,
            **{call: cell(r, f"{NET} {call}", where) for call, _ in CALLS},
            "slowest": first_number(cell(worst, "slowest measured: every slow path at once", where_rt)),
            "flash": f"{cell(small, 'library flash (B)', where)} / {cell(r, 'library flash (B)', where)} B",
            "stack": cell(r, "train_step stack, measured / static (B)", where) + " B",
        })
    return columns


def headline(root=ROOT):
    host, cores = host_column(root), core_columns(root)
    cols = [host] + cores
    dash = "–"

    def line(label, values):
        return f"| {label} | " + " | ".join(values) + " |"

    lines = [line(f"{NET} network (sigmoid, softmax), one call", [c["title"] for c in cols]),
             "|---|" + "---|" * len(cols)]
    for call, label in CALLS:
        lines.append(line(label, [host[call]] + [f"{c[call]} instructions" for c in cores]))
    lines += [
        line("`train_step`, slowest input measured (every slow path at once)",
             [dash] + [f"{c['slowest']} instructions" for c in cores]),
        line("`train_step` in FANN / Eigen / Eigen `-march=native`", [host["peers"]] + [dash] * len(cores)),
        line("784-128-10: `train_step` / `train_then_predict`", [host["large"]] + [dash] * len(cores)),
        line("library flash, `-Os` / `-O2`", [dash] + [c["flash"] for c in cores]),
        line("`train_step` stack, measured / static bound", [dash] + [c["stack"] for c in cores]),
    ]
    notes = (
        f"x86-64: CPU time, median of 3 repetitions, {host['cpu']}, {host['compiler']}, run "
        f"{host['date']}, from [docs/benchmarks.md](docs/benchmarks.md) "
        "(`cmake --build --preset host -j2 --target bench_report`). Cortex-M: instructions of one "
        "call at `-O2` under `qemu-system-arm -icount shift=0` (QEMU counts instructions, not "
        "cycles), flash and stack of the same firmware, from [docs/cortex-m.md](docs/cortex-m.md) "
        "and [docs/real-time.md](docs/real-time.md) (`tools/cortex_m_footprint.py --docs`). This "
        "table: `python3 tools/headline.py`.")
    return "\n".join(lines) + "\n\n" + textwrap.fill(notes, width=92, break_on_hyphens=False,
                                                   break_long_words=False)


def replace(text, block):
    if BEGIN not in text or END not in text:
        raise PageError(f"README.md has no {BEGIN} ... {END} section")
    head, rest = text.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{rest.split(END, 1)[1]}"


def update(root=ROOT, check=False):
    """Rewrites README.md's headline table; with check, only says whether it is up to date."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = replace(text, headline(root))
    if check:
        if new != text:
            print("headline: README.md's headline table is not what docs/ gives; "
                  "run python3 tools/headline.py", file=sys.stderr)
            return False
        return True
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print("headline: rewrote README.md's headline table", file=sys.stderr)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that README.md is up to date")
    args = parser.parse_args()
    try:
        return 0 if update(ROOT, check=args.check) else 1
    except PageError as e:
        print(f"headline: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
