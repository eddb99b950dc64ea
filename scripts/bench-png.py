#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Draw what "make bench" measured as PNG plots, and their index.

    bench-png.py [--dir bench] [--index bench/README.md] RELEASE...

For every release and every benchmark, scripts/bench.sh leaves a file in
bench/: results-R.txt (the pool against alloc_pages), slub-R.txt
(aether_slub against kmem_cache), regions-R.txt (region faults against
anonymous memory and memfd), zram-R.txt (aether_zram against zram),
dedupe-R.txt (aether_dedupe against KSM) and qos-R.txt (a RealTime
group's fault latency under a hog, with aether_qos and without it).  Their
first lines are comments: how the figures were made ("# accelerator ...")
and when ("# measured ...").

Each benchmark of each release becomes bench/<bench>-R.png: for every
figure the suite's bar and the kernel's beside it, both absolute values
(ns or MiB/s, as measured) and their ratio written on the plot, axis
labels with units, and a title naming the release and the date measured.
Figures of different units (dedupe's pages, ms and ns) get an axes each.

The parser is tolerant but never inventive: a file that is absent, holds
no figures (the module was not built or not loaded) or holds figures it
cannot read gives no plot, and the index (bench/README.md) says which and
why; a plot is only ever drawn from figures read from the file.

Debian's python3-matplotlib (scripts/deps.sh installs it); Agg, no display.
"""
import argparse
import json
import os
import re
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after use())

SUITE_COLOUR = "#4e79a7"
KERNEL_COLOUR = "#f28e2b"


class Figure:
    """One comparison: a label, the suite's and the kernel's value, the
    ratio (as the benchmark printed it, else suite / kernel) and unit."""

    def __init__(self, label, suite, kernel, ratio, unit, better=None):
        self.label = label
        self.better = better	# None: the benchmark's
        self.suite = float(suite)
        self.kernel = float(kernel)
        if ratio is None:
            ratio = self.suite / self.kernel if self.kernel else None
        self.ratio = None if ratio is None else float(ratio)
        self.unit = unit


class Bench:
    """A benchmark: its file, what it compares and how it was measured."""

    def __init__(self, key, stem, title, suite, kernel, better, method,
                 parse, headline):
        self.key = key			# the PNG's name: <key>-<release>.png
        self.stem = stem		# bench/<stem>-<release>.txt
        self.title = title
        self.suite = suite		# legend of the suite's bars
        self.kernel = kernel		# legend of the kernel's bars
        self.better = better		# "lower" or "higher"
        self.method = method		# for the index
        self.parse = parse		# text -> ([Figure], [note])
        self.headline = headline	# [Figure] -> (label, Figure)


# ---- reading ---------------------------------------------------------------

def json_docs(text):
    """Every JSON object in @text, in order (bench.sh keeps one or more
    documents between its markers; the lines around them are not JSON)."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        i = text.find("{", i)
        if i < 0:
            return docs
        try:
            doc, end = dec.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        if isinstance(doc, dict):
            docs.append(doc)
        i = end


def json_rows(text, table):
    """The rows (dicts) of every JSON table named @table in @text."""
    rows = []
    for doc in json_docs(text):
        val = doc.get(table)
        if isinstance(val, list):
            rows += [r for r in val if isinstance(r, dict)]
    return rows


def num(v):
    """@v as a float, or None for "-", absent, or not a number."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).rstrip("x%"))
    except ValueError:
        return None


def human_tables(text):
    """aetherctl's tables for people: [(title, [row dict])].

    A table is a title line, a header line and rows, all indented by two
    spaces, each column right-aligned to a common end; a header's words
    may hold spaces ("region (ns/page)") but a cell's do not, so the ends
    of a row's cells say where each header ends.
    """
    lines = text.splitlines()
    tables = []
    i = 0
    while i + 2 < len(lines):
        title, head, first = lines[i], lines[i + 1], lines[i + 2]
        if (title.strip() and not title.startswith(" ") and
                head.startswith("  ") and first.startswith("  ") and
                len(first.split()) > 1 and len(head) == len(first.rstrip())):
            ends = [m.end() for m in re.finditer(r"\S+", first)]
            cols, start = [], 0
            for end in ends:
                cols.append(head[start:end].strip())
                start = end
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].startswith("  "):
                cells = lines[j].split()
                if len(cells) != len(cols):
                    break
                rows.append(dict(zip(cols, cells)))
                j += 1
            tables.append((title.strip(), rows))
            i = j
            continue
        i += 1
    return tables


def human_kv(text, title_start):
    """The key/value block under the title starting with @title_start:
    {label: value}, label and value split at the last run of 2+ spaces."""
    out, on = {}, False
    for line in text.splitlines():
        if line.startswith(title_start):
            on, out = True, {}
            continue
        if on:
            if not line.startswith("  "):
                if out:
                    break
                continue
            m = re.match(r"^  (.*\S)\s{2,}(\S.*)$", line)
            if m:
                out[m.group(1)] = m.group(2).strip()
    return out


def cpus(n):
    n = int(n)
    return f"{n} CPU" + ("s" if n > 1 else "")


def parse_pool(text):
    figs = []
    for r in json_rows(text, "bench"):
        a, b = num(r.get("pool_ns")), num(r.get("kernel_ns"))
        if a is None or b is None:
            continue
        label = str(r.get("op", "?"))
        if num(r.get("batch")):
            label += f" x{int(num(r['batch']))}"
        if r.get("threads") is not None:
            label += f", {cpus(r['threads'])}"
        figs.append(Figure(label, a, b, num(r.get("ratio")), "ns/op"))
    return figs, []


def parse_slub(text):
    figs = []
    for r in json_rows(text, "bench"):
        a, b = num(r.get("aslub_ns")), num(r.get("kernel_ns"))
        if a is None or b is None:
            continue
        label = f"{r.get('op', '?')} {int(num(r.get('object_size')) or 0)}B"
        if num(r.get("batch")):
            label += f" x{int(num(r['batch']))}"
        if r.get("threads") is not None:
            label += f", {cpus(r['threads'])}"
        figs.append(Figure(label, a, b, num(r.get("ratio")), "ns/object"))
    return figs, []


def parse_regions(text):
    figs, notes = [], []
    for _, rows in human_tables(text):
        for r in rows:
            # --refault's table times against a memfd, the others anon
            a = num(r.get("region (ns/page)"))
            b = num(r.get("anonymous (ns/page)"))
            other = "anonymous"
            if b is None:
                b, other = num(r.get("memfd (ns/page)")), "memfd"
            if a is None or b is None:
                continue
            mode = r.get("mode", "?")
            if mode == "huge":
                other = "THP"
            label = {"4k": "first touch 4 KiB", "huge": "first touch 2 MiB",
                     "refault": "refault resident"}.get(mode, mode)
            figs.append(Figure(f"{label} (vs {other})", a, b,
                               num(r.get("ratio")), "ns/page"))
            if mode == "huge" and r.get("region PMDs") == "no":
                notes.append("huge: the region got no PMD mappings")
            if mode == "huge" and r.get("anon THP") == "no":
                notes.append("huge: anonymous memory got no THP")
    return figs, notes


def parse_zram(text):
    figs = []
    for r in json_rows(text, "zram_bench"):
        a, b = num(r.get("aether_mibs")), num(r.get("zram_mibs"))
        if a is None or b is None:
            continue
        figs.append(Figure(str(r.get("name", "?")), a, b,
                           num(r.get("ratio")), "MiB/s"))
    return figs, []


DEDUPE_UNITS = {
    "pages merged": "pages",
    "converge ms": "ms",
    "scanner CPU ns/merged page": "ns/merged page",
    "COW CPU ns/page": "ns/page",
    "full scans": "scans",
    "pages scanned": "pages",
}


# Figures where less is not better: the merge must be complete on both
# sides, and the scans show whether both scanned at the same rate.
DEDUPE_BETTER = {
    "pages merged": "equal to the expected is the goal",
    "full scans": "for reference",
    "pages scanned": "for reference",
}


def parse_dedupe(text):
    figs = []
    for r in json_rows(text, "dedupe_bench"):
        a, b = num(r.get("aether")), num(r.get("ksm"))
        name = str(r.get("name", "?"))
        if a is None or b is None:
            continue
        figs.append(Figure(name, a, b, num(r.get("ratio")),
                           DEDUPE_UNITS.get(name, ""),
                           DEDUPE_BETTER.get(name)))
    return figs, []


def parse_qos(text):
    """The latency table of "qos bench --latency": RealTime under the hog
    with aether_qos (qos_hog) against Normal groups under it (noqos_hog);
    the phase alone and the cost ratio are notes."""
    figs, notes = [], []
    for _, rows in human_tables(text):
        by = {r.get("PHASE"): r for r in rows if "PHASE" in r and "P99" in r}
        q, n = by.get("qos_hog"), by.get("noqos_hog")
        if not q or not n:
            continue
        for col, name in (("P50", "p50"), ("P99", "p99"), ("P99.9", "p99.9")):
            a, b = num(q.get(col)), num(n.get(col))
            if a is not None and b is not None:
                figs.append(Figure(f"first-touch fault {name}", a, b, None,
                                   "ns"))
        alone = by.get("alone")
        if alone and num(alone.get("P99")) is not None:
            notes.append(f"RealTime alone (no hog): p99 {alone['P99']} ns")
    cost = human_kv(text, "fault-in, limited group / root group")
    if "ratio, median" in cost:
        notes.append("accounting cost, fault-in in a limited group / root "
                     f"group: median ratio {cost['ratio, median']}")
    high = human_kv(text, "memory.high accuracy")
    for k, v in high.items():
        if "overshoot" in k or "peak" in k:
            notes.append(f"memory.high accuracy: {k} {v}")
    return figs, notes


def head_first(figs):
    return (figs[0].label, figs[0]) if figs else None


def head_named(name):
    def pick(figs):
        for f in figs:
            if f.label == name or f.label.startswith(name + " "):
                return f.label, f
        return head_first(figs)
    return pick


BENCHES = [
    Bench("pool", "results", "aether_mm pool against alloc_pages",
          "aether_mm pool", "Linux alloc_pages", "lower",
          "AETHER_MM_IOC_BENCH (aetherctl --json mm bench --all): order-0 "
          "and order-3 alloc+free pairs and bulk allocation of 8, 32 and "
          "128 pages, pool against alloc_pages/alloc_pages_bulk_array in "
          "the same boot, 4 interleaved rounds of 20,000 operations, on 1 "
          "CPU and on 2 at once; ns per operation",
          parse_pool, head_first),
    Bench("slab", "slub", "aether_slub against kmem_cache",
          "aether_slub", "Linux kmem_cache", "lower",
          "AETHER_SLUB_IOC_BENCH (aetherctl --json slub bench --all "
          "--repeat 3, --zero when Linux zeroes): pairs and bulk of 16 and "
          "64 objects of 64, 256 and 1024 bytes, on 1 CPU and 2, and the "
          "cross-CPU free, against kmem_cache_alloc/free(_bulk), booted "
          "with slub_debug=-; ns per object, the median of 3 runs",
          parse_slub, head_first),
    Bench("regions", "regions", "region faults against anonymous memory",
          "aether_mm region", "Linux anonymous / memfd", "lower",
          "aetherctl region bench --pages 4096 --rounds 6, plain, --huge "
          "(2 MiB faults against THP) and --refault (resident pages "
          "against a memfd), the two sides alternating round by round; "
          "ns per page, timed from userspace",
          parse_regions, head_first),
    Bench("zram", "zram", "aether_zram against zram",
          "aether_zram", "Linux zram", "higher",
          "aetherctl zram bench --corpus (8 MiB of the box's own files) "
          "--rounds 5 --swap-mib 8: the same data, algorithm and level on "
          "each side, rounds interleaved with the order alternating; MiB/s, "
          "the median of 5 rounds",
          parse_zram, head_first),
    Bench("dedupe", "dedupe", "aether_dedupe against KSM",
          "aether_dedupe", "Linux KSM", "lower",
          "aetherctl dedupe bench --procs 4 --dup-pages 512 "
          "--unique-pages 128 --pages-to-scan 100 --sleep-ms 20 --rounds 5 "
          "on distinct pages of the box's own files: pages merged, time to "
          "converge, scanner CPU per merged page and COW fault CPU; "
          "medians of 5 rounds (pages merged: the ratio is 1 when both "
          "merge all)",
          parse_dedupe, head_named("converge ms")),
    Bench("qos-latency", "qos", "QoS: RealTime fault latency under a hog",
          "RealTime group, aether_qos", "Normal groups, no QoS", "lower",
          "aetherctl qos bench --latency --pages 512 --rounds 8: a "
          "RealTime group's first-touch faults while a BestEffort hog "
          "writes a quarter more than the pool holds (the pool reclaiming "
          "into aether_zram), against the same with both in Normal groups; "
          "p50, p99 and p99.9 in ns",
          parse_qos, head_named("first-touch fault p99")),
]


def read_file(path):
    """(text without comment lines, {comment key: value}, comments) or None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    meta, data = {}, []
    for line in lines:
        if line.startswith("# "):
            m = re.match(r"^# (accelerator|measured) (.*)$", line)
            if m:
                meta[m.group(1)] = m.group(2).strip()
            else:
                data.append(line)	# dedupe's and zram's tables
        else:
            data.append(line)
    return "\n".join(data) + "\n", meta


# ---- drawing ---------------------------------------------------------------

def fmt(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def draw(bench, rel, figs, meta, path):
    """Grouped horizontal bars, one axes per unit."""
    units = []
    for f in figs:
        if f.unit not in units:
            units.append(f.unit)
    per_unit = [[f for f in figs if f.unit == u] for u in units]
    heights = [max(1.2, 0.62 * len(g) + 0.9) for g in per_unit]
    fig, axes = plt.subplots(len(units), 1, squeeze=False,
                             figsize=(11, sum(heights) + 1.4),
                             gridspec_kw={"height_ratios": heights})
    when = meta.get("measured", "date not recorded")
    fig.suptitle(f"{bench.title}\n{rel}, measured {when}", fontsize=12)
    for ax, unit, group in zip(axes[:, 0], units, per_unit):
        n = len(group)
        ys = list(range(n))
        h = 0.38
        vals = [v for f in group for v in (f.suite, f.kernel) if v > 0]
        log = bool(vals) and max(vals) / min(vals) > 50
        ax.barh([y - h / 2 for y in ys], [f.suite for f in group], h,
                color=SUITE_COLOUR, label=bench.suite)
        ax.barh([y + h / 2 for y in ys], [f.kernel for f in group], h,
                color=KERNEL_COLOUR, label=bench.kernel)
        if log:
            ax.set_xscale("log")
        top = max([f.suite for f in group] + [f.kernel for f in group] + [1])
        ax.set_xlim(right=top * (40 if log else 1.6))
        if log:
            ax.set_xlim(left=min(vals) / 2)
        for y, f in zip(ys, group):
            ax.text(f.suite, y - h / 2, " " + fmt(f.suite), va="center",
                    fontsize=8)
            ax.text(f.kernel, y + h / 2, " " + fmt(f.kernel), va="center",
                    fontsize=8)
            r = "ratio n/a" if f.ratio is None else f"ratio {f.ratio:.3f}"
            ax.text(1.0, y, r + " ", transform=ax.get_yaxis_transform(),
                    ha="right", va="center", fontsize=9, weight="bold")
        ax.set_yticks(ys)
        ax.set_yticklabels([f.label for f in group], fontsize=9)
        ax.invert_yaxis()
        better = group[0].better or f"{bench.better} is better"
        ax.set_xlabel(f"{unit or 'value'} ({better}"
                      + (", log scale" if log else "") + ")")
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].legend(loc="lower right", fontsize=8,
                      bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
    ratio_note = (f"ratio = {bench.suite.split(',')[0]} / "
                  f"{bench.kernel.split(',')[0]}")
    fig.text(0.01, 0.005, ratio_note + "; " +
             meta.get("accelerator", "accelerator not recorded"),
             fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---- the index -------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="bench", help="where the .txt are and "
                    "the .png go (default bench)")
    ap.add_argument("--index", help="the index to write (default "
                    "DIR/README.md)")
    ap.add_argument("releases", nargs="+")
    args = ap.parse_args()
    index = args.index or os.path.join(args.dir, "README.md")

    out = ["# Benchmark plots",
           "",
           "Generated by `make bench` (scripts/bench.sh, then "
           "scripts/bench-png.py); do not edit. Each plot puts the suite's "
           "figure (blue) beside the kernel's own (orange), both as "
           "measured, with their ratio (suite / kernel) written at the "
           "right: the benchmark's own, which for medians over rounds is "
           "the median of the rounds' ratios, not always the ratio of the "
           "medians shown. Under software emulation (the box's usual TCG) only the "
           "ratios mean much.",
           ""]
    drawn = absent = 0
    for rel in args.releases:
        out += [f"## {rel}", ""]
        for b in BENCHES:
            src = os.path.join(args.dir, f"{b.stem}-{rel}.txt")
            png = f"{b.key}-{rel}.png"
            got = read_file(src)
            stale = os.path.join(args.dir, png)
            if got is None and os.path.exists(stale):
                os.unlink(stale)	# an earlier run's, not this one's
            if got is None:
                out.append(f"- **{b.key}**: absent, no plot: {src} does not "
                           "exist (the benchmark did not run).")
                absent += 1
                continue
            text, meta = got
            try:
                figs, notes = b.parse(text)
            except (ValueError, KeyError, TypeError) as e:
                figs, notes = [], [f"unreadable: {e}"]
            if not figs:
                out.append(f"- **{b.key}**: absent, no plot: no figures in "
                           f"{os.path.basename(src)} (module not built or "
                           "not loaded, or the benchmark failed; see "
                           f"build/logs/bench-{rel}.log).")
                absent += 1
                if os.path.exists(stale):
                    os.unlink(stale)
                continue
            draw(b, rel, figs, meta, os.path.join(args.dir, png))
            drawn += 1
            when = meta.get("measured", "date not recorded")
            label, f = b.headline(figs)
            head = ("ratio not printed" if f.ratio is None else
                    f"{f.ratio:.3f}")
            out += [f"- **{b.key}**: {b.title} ([{png}]({png}), "
                    f"{len(figs)} figures)",
                    f"  - headline: {label}: {b.suite} {fmt(f.suite)}, "
                    f"{b.kernel} {fmt(f.kernel)} {f.unit}, ratio {head} "
                    f"({f.better or b.better + ' is better'})"
                    + "".join(f"; {n}" for n in notes),
                    f"  - method: {b.method}",
                    f"  - measured {when} on {rel}, "
                    f"{meta.get('accelerator', 'accelerator not recorded')}"]
            print(f"bench-png: {rel} {b.key}: {len(figs)} figures, "
                  f"{label} ratio {head}, wrote {png}")
        out.append("")
    with open(index, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"bench-png: {drawn} plots, {absent} absent; wrote {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
