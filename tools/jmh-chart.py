#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) into an SVG bar chart: one bar per benchmark (and parameter
set), length on a log10 scale, labelled with the score and its error.
usage: tools/jmh-chart.py RESULTS.json [MORE.json ...] -o docs/bench/jmh.svg [--title TEXT]"""
import json, math, sys
from xml.sax.saxutils import escape

def main(argv):
    files, out, title = [], None, "lstar JMH results"
    i = 0
    while i < len(argv):
        if argv[i] == "-o": out = argv[i + 1]; i += 2
        elif argv[i] == "--title": title = argv[i + 1]; i += 2
        else: files.append(argv[i]); i += 1
    if not files or not out:
        sys.exit(__doc__)
    rows = []
    for f in files:
        for r in json.load(open(f)):
            name = r["benchmark"].rsplit(".", 2)
            label = name[-2] + "." + name[-1]
            if r.get("params"):
                label += " [" + ", ".join(f"{k}={v}" for k, v in sorted(r["params"].items())) + "]"
            m = r["primaryMetric"]
            rows.append((label, m["score"], m.get("scoreError") or 0.0, m["scoreUnit"]))
    width, left, bar_h, gap, top = 980, 420, 22, 8, 50
    height = top + len(rows) * (bar_h + gap) + 30
    hi = max(math.log10(max(s, 1.0)) for _, s, _, _ in rows)
    scale = (width - left - 170) / max(hi, 1.0)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="28" font-size="17" font-weight="bold">{escape(title)}</text>']
    for k, (label, score, err, unit) in enumerate(rows):
        y = top + k * (bar_h + gap)
        w = max(2.0, math.log10(max(score, 1.0)) * scale)
        color = "#3a7bd5" if "Jit" in label or "jit" in label else "#e07b39"
        svg.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
        txt = f"{score:,.4g} ± {err:,.2g} {unit}" if err == err else f"{score:,.4g} {unit}"
        svg.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}">{escape(txt)}</text>')
    svg.append(f'<text x="{left}" y="{height - 8}" fill="#666">bar length: log10(score); blue = JIT, orange = interpreter</text>')
    svg.append('</svg>')
    open(out, "w").write("\n".join(svg) + "\n")

if __name__ == "__main__":
    main(sys.argv[1:])
