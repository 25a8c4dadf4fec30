"""The Markdown tables of docs/cortex-m.md and docs/real-time.md, and the rewriting of their
generated parts (between the markers)."""
import sys
import textwrap

from .budgets import C_API, ENTRY_POINTS, STACK_BUDGETS

MARKERS = {
    "footprint": ("<!-- cortex-m-footprint:begin -->", "<!-- cortex-m-footprint:end -->"),
    "real-time": ("<!-- real-time:begin -->", "<!-- real-time:end -->"),
    "budgets": ("<!-- budget-table:begin -->", "<!-- budget-table:end -->"),
    "stack": ("<!-- stack-table:begin -->", "<!-- stack-table:end -->"),
    "timing": ("<!-- timing-table:begin -->", "<!-- timing-table:end -->"),
}


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
    """The summary atop docs/real-time.md: budgets, the largest bounds, train_step's time per kind of data."""
    plain = [r for r in results if not r["port"]]
    lines = [
        "## Summary (generated)",
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
        "the sections below.", width=92, break_on_hyphens=False),
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
