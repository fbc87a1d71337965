#!/usr/bin/env python3
"""Turns ManyThreadsBenchmark's JMH JSON into a table (markdown, stdout) and a plot (SVG, PNG).

Usage: python3 bench/plot_many_threads.py RESULT.json [OUT_PREFIX]
  OUT_PREFIX defaults to RESULT without .json: writes OUT_PREFIX.svg, OUT_PREFIX.tsv (the
  plotted points) and OUT_PREFIX.png (drawn by bench/PlotPng.java with the java on the PATH).

Standard library only: matplotlib is not installed on the build machines, so the SVG is drawn
by hand (log-log axes: live virtual threads vs ns per invoke, one line per design), and the PNG
by a single-file Java program (Java2D, headless).
"""
import json
import math
import os
import shutil
import subprocess
import sys

DESIGNS = ["tether", "lockHeld", "sharedCounter"]
COLOURS = {"tether": "#1f77b4", "lockHeld": "#d62728", "sharedCounter": "#2ca02c"}


def load(path):
    live, churn = {}, {}
    with open(path) as f:
        for run in json.load(f):
            method = run["benchmark"].rsplit(".", 1)[1]
            params = run.get("params", {})
            design = params.get("design")
            if method == "perConnection":
                secondary = run.get("secondaryMetrics", {})
                invokes, cpu = secondary.get("invokes"), secondary.get("cpuNanos")
                if invokes and invokes["score"] > 0:
                    unit = invokes["scoreUnit"]  # ops/us
                    scale = {"ops/us": 1e3, "ops/ms": 1e6, "ops/s": 1e9}[unit]
                    wall = scale / invokes["score"]
                    cpu_ns = cpu["score"] / invokes["score"] if cpu else float("nan")
                    live[(int(params["n"]), design)] = (cpu_ns, wall)
            elif method == "perRequest":
                pm = run["primaryMetric"]
                live_err = pm.get("scoreError")
                churn[design] = (pm["score"], live_err if isinstance(live_err, float) else 0.0)
    return live, churn


def table(live, churn):
    ns_values = sorted({n for n, _ in live})
    out = ["| live virtual threads | " + " | ".join(f"{d} CPU ns (wall ns)" for d in DESIGNS)
           + " | tether / lockHeld (CPU) | tether / tether at N=10 (CPU) |",
           "| ---: |" + " ---: |" * (len(DESIGNS) + 2)]
    base10 = live.get((10, "tether"), (None,))[0]
    for n in ns_values:
        cells = []
        for d in DESIGNS:
            v = live.get((n, d))
            cells.append(f"{v[0]:,.0f} ({v[1]:,.0f})" if v else "n/a")
        t, l = live.get((n, "tether")), live.get((n, "lockHeld"))
        r1 = f"{t[0] / l[0]:.2f}x" if t and l else "n/a"
        r2 = f"{t[0] / base10:.2f}x" if t and base10 else "n/a"
        out.append(f"| {n:,} | " + " | ".join(cells) + f" | {r1} | {r2} |")
    if churn:
        cells = [f"{churn[d][0]:,.0f} ± {churn[d][1]:,.0f}" if d in churn else "n/a"
                 for d in DESIGNS]
        t, l = churn.get("tether"), churn.get("lockHeld")
        r1 = f"{t[0] / l[0]:.2f}x" if t and l else "n/a"
        out.append("| new thread per invoke (wall ns only) | " + " | ".join(cells)
                   + f" | {r1} (wall) | |")
    return "\n".join(out)


def svg(live, width=720, height=460):
    left, right, top, bottom = 80, 170, 40, 60
    pw, ph = width - left - right, height - top - bottom
    ns_values = sorted({n for n, _ in live})
    ys = [v[0] for v in live.values()]
    if not ns_values or not ys:
        raise SystemExit("no perConnection results in the file")
    x0, x1 = math.log10(min(ns_values)), math.log10(max(ns_values))
    y0 = math.floor(math.log10(min(ys)))
    y1 = math.ceil(math.log10(max(ys)))
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1

    def px(n):
        return left + (math.log10(n) - x0) / (x1 - x0) * pw

    def py(v):
        return top + ph - (math.log10(v) - y0) / (y1 - y0) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="22" font-size="14">One shared slot, N live virtual threads '
             f'invoking (invoke; park 1 µs): CPU ns per invoke</text>']
    for e in range(int(y0), int(y1) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if v < 10 ** y0 or v > 10 ** y1:
                continue
            y = py(v)
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                         f'stroke="#ddd"/>')
            parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,}</text>')
    for n in ns_values:
        x = px(n)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#eee"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{n:,}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                 f'stroke="black"/>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 18}" text-anchor="middle">'
                 f'live virtual threads invoking the slot (log)</text>')
    parts.append(f'<text x="18" y="{top + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 18 {top + ph / 2})">CPU ns per invoke (log)</text>')
    for i, d in enumerate(DESIGNS):
        points = [(n, live[(n, d)][0]) for n in ns_values if (n, d) in live]
        if not points:
            continue
        c = COLOURS[d]
        path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        for n, v in points:
            parts.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3.5" fill="{c}"/>')
        ly = top + 20 + 22 * i
        parts.append(f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 40}" y2="{ly}" '
                     f'stroke="{c}" stroke-width="2"/>')
        parts.append(f'<text x="{left + pw + 46}" y="{ly + 4}">{d}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    path = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else path[:-5] if path.endswith(".json") else path
    live, churn = load(path)
    print(table(live, churn))
    with open(prefix + ".svg", "w") as f:
        f.write(svg(live))
    print(f"\nwrote {prefix}.svg")
    with open(prefix + ".tsv", "w") as f:
        f.write("n\tdesign\tcpu_ns\n")
        for d in DESIGNS:
            for (n, design), (ns, _) in sorted(live.items()):
                if design == d:
                    f.write(f"{n}\t{d}\t{ns}\n")
    java = shutil.which("java")
    plotter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PlotPng.java")
    if java:
        done = subprocess.run([java, "-Djava.awt.headless=true", plotter, prefix + ".tsv",
                               prefix + ".png"], capture_output=True, text=True)
        print(f"wrote {prefix}.png" if done.returncode == 0
              else "PNG not drawn (" + done.stderr.strip()[:200] + "); the SVG stands")


if __name__ == "__main__":
    main()
