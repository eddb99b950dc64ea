#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw bench/results-<release>.txt files as one SVG bar chart of ratios.

A result is any line that names a benchmark and gives its ratio
(pool ns / kernel ns; below 1.0 means the pool is faster; for zram's
throughputs, aether MiB/s / zram MiB/s, above 1.0 is faster), either as
"... ratio=0.93" / "... ratio: 0.93" / "... ratio 0.93", or as a row of a
table whose header has a "ratio" column. JSON output (a list of objects,
or an object holding one, with "name"/"op" and "ratio") works too.
Standard library only.
"""
import argparse
import json
import os
import re
from xml.sax.saxutils import escape

KV_RATIO = re.compile(r"\bratio\s*[=:]?\s*([0-9]+(?:\.[0-9]+)?)", re.I)


def from_json(text):
    data = json.loads(text)
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [data])
    out = []
    for rec in data:
        if isinstance(rec, dict) and "ratio" in rec:
            out.append((json_label(rec), float(rec["ratio"])))
    return out


def json_label(rec):
    """e.g. {"op": "bulk", "batch": 32, "threads": 2} -> "bulk x32, 2 CPUs"."""
    label = str(rec.get("name", rec.get("op", "?")))
    if rec.get("object_size"):
        label += f" {rec['object_size']}B"
    if rec.get("batch"):
        label += f" x{rec['batch']}"
    if rec.get("threads"):
        n = int(rec["threads"])
        label += f", {n} CPU" + ("s" if n > 1 else "")
    return label


def label_of(line, end):
    """The words before the first number or key=value, as the label."""
    words = []
    for w in line[:end].split():
        if is_num(w) or "=" in w:
            break
        words.append(w.strip(":|"))
    return " ".join(w for w in words if w) or line[:end].strip()


def is_num(cell):
    return re.match(r"^[0-9]+(\.[0-9]+)?x?$", cell) is not None


# Table columns that tell apart rows of the same benchmark.
KEY_COLUMNS = ("threads", "cpus", "batch", "order")


def table_row(head, cells):
    """(label, ratio) of a table row under header cells @head."""
    col = head.index("ratio")
    first = next(i for i, c in enumerate(cells) if is_num(c))
    label = cells[:first]
    label += [f"{h}={c}" for h, c in zip(head, cells)
              if h in KEY_COLUMNS and is_num(c)]
    return " ".join(label) or "?", float(cells[col].rstrip("x"))


def from_text(text):
    out, head = [], None
    for line in text.splitlines():
        cells = line.split()
        low = [c.lower().strip(":|") for c in cells]
        if "ratio" in low and not any(is_num(c) for c in cells):
            head = low	# a table header
            continue
        m = KV_RATIO.search(line)
        if m:
            out.append((label_of(line, m.start()), float(m.group(1))))
        elif head and len(cells) == len(head) and is_num(cells[head.index("ratio")]):
            out.append(table_row(head, cells))
    return out


def parse(path):
    """(label, ratio) pairs; "# ..." lines (how the figures were made,
    scripts/bench.sh writes the accelerator there) are not data."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = "".join(line for line in f if not line.startswith("#"))
    try:
        return from_json(text)
    except (ValueError, TypeError):
        return from_text(text)


def svg(series, title):
    """series: [(kernel, [(name, ratio)])] -> SVG text, one bar per kernel."""
    names = []
    for _, res in series:
        names += [n for n, _ in res if n not in names]
    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]
    bar, gap, left, width = 14, 10, 260, 420
    top = 50 + 18 * len(series)
    height = top + len(names) * (bar * len(series) + gap) + 30
    vmax = max([r for _, res in series for _, r in res] + [1.2])
    x = lambda v: left + v / vmax * width
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}"'
           f' height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-size="15">{escape(title)}</text>']
    for i, (kernel, _) in enumerate(series):
        y = 40 + 18 * i
        out.append(f'<rect x="10" y="{y - 10}" width="12" height="12" '
                   f'fill="{colours[i % 4]}"/><text x="28" y="{y}">'
                   f'{escape(kernel)}</text>')
    y = top
    for name in names:
        out.append(f'<text x="{left - 6}" y="{y + bar * len(series) / 2 + 4}" '
                   f'text-anchor="end">{escape(name)}</text>')
        for i, (_, res) in enumerate(series):
            val = dict(res).get(name)
            if val is not None:
                out.append(f'<rect x="{left}" y="{y}" width="{x(val) - left:.1f}"'
                           f' height="{bar - 2}" fill="{colours[i % 4]}"/>'
                           f'<text x="{x(val) + 4:.1f}" y="{y + bar - 4}">'
                           f'{val:.2f}</text>')
            y += bar
        y += gap
    out.append(f'<line x1="{x(1):.1f}" y1="{top - 6}" x2="{x(1):.1f}" '
               f'y2="{y}" stroke="#333" stroke-dasharray="4 3"/>'
               f'<text x="{x(1):.1f}" y="{y + 14}" text-anchor="middle">'
               f'1.0 = as fast as the kernel</text></svg>')
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--title", default="Aether pool / kernel, time per "
                    "operation (lower is better)")
    ap.add_argument("results", nargs="+")
    args = ap.parse_args()
    series = []
    for path in args.results:
        kernel = re.sub(r"^(results|slub|zram|dedupe)-|\.txt$", "",
                        os.path.basename(path))
        res = parse(path)
        if not res:
            print(f"bench-plot: no ratios found in {path}")
        for name, ratio in res:
            print(f"{kernel:24} {name:24} ratio {ratio:.3f}")
        series.append((kernel, res))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(svg(series, args.title))
    print(f"bench-plot: wrote {args.output}")


if __name__ == "__main__":
    main()
