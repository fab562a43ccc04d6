#!/usr/bin/env python3
"""Draws the markdown table of tools/whole-process.sh (--md FILE) as an SVG chart: for each program
one bar per engine, the length its wall time as a multiple of native on a log10 scale (native = 1x
is the left edge), labelled with the ratio.
usage: tools/whole-process-chart.py TABLE.md -o docs/bench/whole-process.svg [--title TEXT]"""
import math, re, sys
from xml.sax.saxutils import escape

COLORS = ["#7f7f7f", "#e07b39", "#3a7bd5", "#2ca02c", "#9467bd", "#8c564b"]

def parse(path):
    """(engine labels without native, [(program, [ratio or None per engine])])"""
    engines, rows = None, []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if engines is None:
            if cells[0] != "program" or len(cells) < 3 or cells[1] != "native":
                sys.exit(f"{path}: not a whole-process table (header {cells})")
            engines = cells[2:]
            continue
        ratios = []
        for c in cells[2:]:
            m = re.search(r"\*\*([0-9.]+)x\*\*", c)
            ratios.append(float(m.group(1)) if m and not c.startswith("FAIL") else None)
        rows.append((cells[0], ratios))
    if not engines or not rows:
        sys.exit(f"{path}: no table found")
    return engines, rows

def main(argv):
    src, out, title = None, None, "Whole process: wall time as a multiple of native (log scale)"
    i = 0
    while i < len(argv):
        if argv[i] == "-o" and i + 1 < len(argv): out = argv[i + 1]; i += 2
        elif argv[i] == "--title" and i + 1 < len(argv): title = argv[i + 1]; i += 2
        elif src is None and not argv[i].startswith("-"): src = argv[i]; i += 1
        else: sys.exit(__doc__)
    if not src or not out:
        sys.exit(__doc__)
    engines, rows = parse(src)
    width, left, bar_h, gap, group_gap, top = 1000, 330, 14, 3, 14, 70
    group_h = len(engines) * (bar_h + gap) + group_gap
    height = top + len(rows) * group_h + 20
    hi = max([math.log10(r) for _, rs in rows for r in rs if r and r > 1] + [1.0])
    scale = (width - left - 90) / hi
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="24" font-size="16" font-weight="bold">{escape(title)}</text>']
    for k, name in enumerate(engines):  # legend
        x = 10 + k * 200
        svg.append(f'<rect x="{x}" y="38" width="12" height="12" fill="{COLORS[k % len(COLORS)]}"/>')
        svg.append(f'<text x="{x + 16}" y="49">{escape(name)}</text>')
    for d in range(0, int(math.floor(hi)) + 1):  # grid at 1x, 10x, 100x ...
        x = left + d * scale
        svg.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 16}" stroke="#ddd"/>')
        svg.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#666">{10 ** d:,}x</text>')
    for g, (program, ratios) in enumerate(rows):
        y0 = top + g * group_h
        svg.append(f'<text x="{left - 8}" y="{y0 + len(engines) * (bar_h + gap) / 2 + 4:.1f}" text-anchor="end">{escape(program)}</text>')
        for k, r in enumerate(ratios):
            y = y0 + k * (bar_h + gap)
            if r is None:
                svg.append(f'<text x="{left + 4}" y="{y + 11}" fill="#b00">failed</text>')
                continue
            w = max(2.0, math.log10(max(r, 1.0)) * scale)
            svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLORS[k % len(COLORS)]}"/>')
            svg.append(f'<text x="{left + w + 4:.1f}" y="{y + 11}">{r:g}x</text>')
    svg.append("</svg>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")

if __name__ == "__main__":
    main(sys.argv[1:])
