#!/usr/bin/env python3
"""Prints CallbackSlot's ratios to the baselines from one JMH JSON result, and checks the targets.

Usage: python3 bench/ratios.py bench/target/jmh-result-short.json [footprint.txt]
Standard library only; optional (bench/run-benchmarks.sh skips it when python3 is absent).
"""
import json
import re
import sys

DESIGNS = ["volatileField", "atomicSwap", "synchronizedHeld", "reentrantLockHeld",
           "readWriteLock", "stampedLock", "callbackSlot"]
LANES = ["tether", "clqLane", "guavaSequential"]
QUEUES = ["xaddPair", "xadd", "unbounded", "growable"]


def load(path):
    scores, allocs, errors, units = {}, {}, {}, {}
    with open(path) as f:
        for run in json.load(f):
            cls, method = run["benchmark"].rsplit(".", 1)
            key = (cls.rsplit(".", 1)[1], method)
            pm = run["primaryMetric"]
            scores[key] = pm["score"]
            errors[key] = pm.get("scoreError")
            units[key] = pm["scoreUnit"]
            norm = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
            if norm is not None:
                allocs[key] = norm["score"]
    return scores, allocs, errors, units


def fmt_err(e):
    try:
        e = float(e)
    except (TypeError, ValueError):
        return ""
    return "" if e != e else f" ± {e:.2f}"


def table(title, cls, prefix, scores, allocs, errors, units, base):
    rows = [(d, (cls, prefix + (d[0].upper() + d[1:] if prefix else d))) for d in DESIGNS]
    rows = [(d, k) for d, k in rows if k in scores]
    if not rows:
        return
    b = scores.get((cls, prefix + (base[0].upper() + base[1:] if prefix else base)))
    print(f"\n{title}")
    print(f"  {'design':<20}{'score':>22} {'B/op':>8}  {'vs ' + base:>20}")
    for d, k in rows:
        s = scores[k]
        ratio = s / b if b else float("nan")
        a = allocs.get(k)
        a_txt = f"{a:8.2f}" if a is not None else "     n/a"
        print(f"  {d:<20}{s:>12.2f}{fmt_err(errors[k]):<10}{a_txt}  {ratio:>19.2f}x  {units[k]}")


def by_producers(title, cls, names, scores, allocs, errors, base):
    """One row per name: <name>1p and <name>2p side by side, each with B/op and base / name."""
    rows = [n for n in names if (cls, n + "1p") in scores or (cls, n + "2p") in scores]
    if not rows:
        return
    ratio = base + " / this"
    print(f"\n{title}")
    print(f"  {'variant':<18}{'1 producer':>12}{'':8} {'B/op':>8}  {ratio:>16}"
          f"  {'2 producers':>12}{'':8} {'B/op':>8}  {ratio:>16}")
    for n in rows:
        line = f"  {n:<18}"
        for p in ("1p", "2p"):
            line += "  " if p == "2p" else ""
            k, b = (cls, n + p), scores.get((cls, base + p))
            s = scores.get(k)
            if s is None:
                line += f"{'n/a':>12}{'':8} {'':>8}  {'':>16}"
                continue
            a = allocs.get(k)
            a_txt = f"{a:8.2f}" if a is not None else "     n/a"
            r = f"{b / s:.2f}x" if b and s else "n/a"
            line += f"{s:>12.2f}{fmt_err(errors[k]):<8} {a_txt}  {r:>16}"
        print(line)


def main():
    scores, allocs, errors, units = load(sys.argv[1])
    table("invoke, one thread, callback set (ns/op; ratio = time / volatileField)",
          "InvokeBenchmark", "", scores, allocs, errors, units, "volatileField")
    table("invoke, no callback (ns/op)", "InvokeEmptyBenchmark", "", scores, allocs, errors,
          units, "volatileField")
    table("invoke, two threads, ONE shared slot (ops/us summed; ratio = throughput / synchronizedHeld)",
          "InvokeTwoThreadsBenchmark", "shared", scores, allocs, errors, units,
          "synchronizedHeld")
    table("invoke, two threads, one slot EACH (ops/us summed; ratio = throughput / synchronizedHeld)",
          "InvokeTwoThreadsBenchmark", "own", scores, allocs, errors, units,
          "synchronizedHeld")
    table("set + reset, nothing in flight (ns/op; ratio = time / readWriteLock)",
          "SetResetBenchmark", "", scores, allocs, errors, units, "readWriteLock")

    by_producers("serial lane, one call (calls run/us, summed over producers)",
                 "LaneBenchmark", LANES, scores, allocs, errors, "tether")
    by_producers("lane queues, one call (calls run/us, summed over producers)",
                 "LaneQueueBenchmark", QUEUES, scores, allocs, errors, "xaddPair")

    print("\ntargets")
    checks = []
    g = scores.get
    one = g(("InvokeBenchmark", "callbackSlot")), g(("InvokeBenchmark", "volatileField"))
    if all(one):
        r = one[0] / one[1]
        checks.append((f"one-thread invoke <= 3x volatile field: {r:.2f}x", r <= 3))
    shared = g(("InvokeTwoThreadsBenchmark", "sharedCallbackSlot"))
    locks = [(n, g(("InvokeTwoThreadsBenchmark", "shared" + n)))
             for n in ("SynchronizedHeld", "ReentrantLockHeld")]
    for name, lock in locks:
        if shared and lock:
            r = shared / lock
            checks.append((f"two threads on one slot >= 3x lock-held ({name}): {r:.2f}x", r >= 3))
    sr = g(("SetResetBenchmark", "callbackSlot")), g(("SetResetBenchmark", "readWriteLock"))
    if all(sr):
        r = sr[0] / sr[1]
        checks.append((f"set+reset <= 2x ReentrantReadWriteLock: {r:.2f}x", r <= 2))
    for cls in ("InvokeBenchmark", "InvokeTwoThreadsBenchmark"):
        for m in ("callbackSlot", "sharedCallbackSlot", "ownCallbackSlot"):
            a = allocs.get((cls, m))
            if a is not None:
                checks.append((f"{cls}.{m} allocates 0 B/op: {a:.4f} B/op", a < 0.01))
    lane = g(("LaneBenchmark", "tether2p"))
    rivals = [(n, g(("LaneBenchmark", n + "2p"))) for n in ("clqLane", "guavaSequential")]
    rivals = [(n, v) for n, v in rivals if v]
    if lane and rivals:
        name, best = max(rivals, key=lambda r: r[1])
        r = lane / best
        checks.append((f"serial lane, 2 producers >= 1.5x the better baseline ({name}): "
                       f"{r:.2f}x", r >= 1.5))
    for m in ("tether1p", "tether2p"):
        a = allocs.get(("LaneBenchmark", m))
        if a is not None:
            checks.append((f"LaneBenchmark.{m} allocates 0 B/op: {a:.4f} B/op", a < 0.01))
    text = ""
    if len(sys.argv) > 2:
        try:
            with open(sys.argv[2]) as f:
                text = f.read()
        except OSError:
            pass
    if text:
        m = re.search(r"graph: with callback, beyond callback\s+(\d+) B", text)
        if m:
            v = int(m.group(1))
            checks.append((f"slot with callback retains <= 48 B beyond the callback "
                           f"(never invoked): {v} B", v <= 48))
        m = re.search(r"graph: \+ first invoke, beyond callback\s+(\d+) B", text)
        if m:
            v = int(m.group(1))
            checks.append((f"same, after the first invoke (incl. Invoker record): {v} B", v <= 48))
    for text, ok in checks:
        print(f"  [{'MET ' if ok else 'MISS'}] {text}")


if __name__ == "__main__":
    main()
