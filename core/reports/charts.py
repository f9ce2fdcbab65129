"""Charts as SVG strings drawn on the server: the same markup in web pages and in PDFs.

Plain functions, no JavaScript, no network, no state. Text is escaped; sizes are in SVG user
units with a ``viewBox`` so the caller's CSS sets the printed size. Colours come from CSS
classes (``bm-chart …``) with inline fallbacks, so a tenant stylesheet can restyle them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

Number = int | float | Decimal

#: Fill colours for series (grades, branches); print well in colour and in grey.
PALETTE = ("#b71c1c", "#e65100", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#455a64", "#8d6e63")
FONT = "font-family=\"'Branchmark Sans CJK', 'WenQuanYi Micro Hei', sans-serif\""


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value and the scale's maximum for that bar (block max)."""

    label: str
    value: Number
    max: Number


def _f(value: Number) -> float:
    return float(value)


def _num(value: float) -> str:
    """Coordinates with at most two decimals, so the SVG stays small and stable."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _label(value: Number) -> str:
    number = _f(value)
    return f"{number:.0f}" if number == int(number) else f"{number:.2f}".rstrip("0").rstrip(".")


def _wrap(label: str, width: int = 7) -> list[str]:
    """Split a long label in two, at an opening bracket when there is one (保障（经费、人员）)."""
    if len(label) <= width:
        return [label]
    cut = label.find("（")
    if not 0 < cut < len(label) - 1:
        cut = (len(label) + 1) // 2
    return [label[:cut], label[cut:]]


def text_width(text: str, size: float) -> float:
    """Roughly how wide ``text`` draws at ``size``: a CJK character is one em, others ~0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _fit(text: str, size: float, room: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``room`` (never drawn past the edge)."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _label_room(labels: Sequence[str], size: float, width: float, *, least: float, most: float) -> float:
    """The label column's width: the longest label plus a margin, within ``least``–``most`` of
    ``width``; labels longer than that are shortened by :func:`_fit`."""
    longest = max((text_width(label, size) for label in labels), default=0.0)
    return max(width * least, min(longest + 12, width * most))


def _svg(width: float, height: float, body: list[str], title: str, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bm-chart {css_class}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
        f'role="img" aria-label={quoteattr(title)} {FONT}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _share(value: Number, maximum: Number) -> float:
    top = _f(maximum)
    if top <= 0:
        return 0.0
    return max(0.0, min(1.0, _f(value) / top))


def bar_chart(bars: Sequence[Bar], *, title: str, width: float = 480, row: float = 26) -> str:
    """Horizontal bars, each filled to ``value / max`` of its own track, labelled ``value/max``.

    Suits block scores, whose maxima differ (15, 30, 20 …): the bar shows the share, the label
    the points.

    :param bars: one per block (or branch).
    :param title: the chart's accessible title (also a tooltip in browsers).
    """
    # The label column grows with the longest label, so names are never cut at the left edge.
    label_width = _label_room([b.label for b in bars], 12, width, least=0.2, most=0.5)
    value_width = 70.0
    track = width - label_width - value_width - 8
    height = row * max(len(bars), 1) + 8
    body: list[str] = []
    for index, bar in enumerate(bars):
        y = 4 + index * row
        filled = track * _share(bar.value, bar.max)
        share = _share(bar.value, bar.max)
        tone = "good" if share >= 0.9 else "fair" if share >= 0.6 else "poor"
        colour = {"good": "#2e7d32", "fair": "#f9a825", "poor": "#b71c1c"}[tone]
        body.append(
            f'<text x="{_num(label_width - 6)}" y="{_num(y + row * 0.62)}" text-anchor="end" '
            f'font-size="12" fill="#222">{escape(_fit(bar.label, 12, label_width - 8))}</text>'
            f'<rect class="track" x="{_num(label_width)}" y="{_num(y + 4)}" width="{_num(track)}" '
            f'height="{_num(row - 10)}" fill="#eceff1"/>'
            f'<rect class="bar {tone}" x="{_num(label_width)}" y="{_num(y + 4)}" '
            f'width="{_num(filled)}" height="{_num(row - 10)}" fill="{colour}"/>'
            f'<text x="{_num(label_width + track + 6)}" y="{_num(y + row * 0.62)}" font-size="12" '
            f'fill="#222">{escape(_label(bar.value))}/{escape(_label(bar.max))}</text>'
        )
    return _svg(width, height, body, title, "bm-bar-chart")


def radar_chart(bars: Sequence[Bar], *, title: str, size: float = 320, rings: int = 4) -> str:
    """A radar (spider) chart of each axis's ``value / max``; needs at least three axes.

    Falls back to :func:`bar_chart` with fewer than three bars, where a radar has no area.
    """
    if len(bars) < 3:
        return bar_chart(bars, title=title)
    margin = 104.0  # a two-line label of seven characters, from 12 % beyond the radius
    width = size + 2 * margin
    height = size + 72  # room for two-line labels above and below
    cx, cy = width / 2, height / 2
    radius = size / 2 - 10
    count = len(bars)

    def point(index: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    body: list[str] = []
    for ring in range(1, rings + 1):
        corners = " ".join(
            f"{_num(x)},{_num(y)}" for x, y in (point(i, ring / rings) for i in range(count))
        )
        body.append(
            f'<polygon class="grid" points="{corners}" fill="none" stroke="#cfd8dc" stroke-width="0.8"/>'
        )
    for index, bar in enumerate(bars):
        x, y = point(index, 1)
        body.append(
            f'<line class="axis" x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x)}" y2="{_num(y)}" '
            f'stroke="#b0bec5" stroke-width="0.8"/>'
        )
        lx, ly = point(index, 1.12)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        share = _share(bar.value, bar.max)
        lines = [_fit(line, 11, margin + radius * 0.12 - 8) for line in _wrap(bar.label)]
        # Labels above the centre grow upwards, so long ones never run into the chart.
        top = ly + 4 - (len(lines) * 13 if ly < cy - 8 else 0)
        for number, line in enumerate(lines):
            body.append(
                f'<text x="{_num(lx)}" y="{_num(top + 13 * number)}" text-anchor="{anchor}" '
                f'font-size="11" fill="#222">{escape(line)}</text>'
            )
        body.append(
            f'<text x="{_num(lx)}" y="{_num(top + 13 * len(lines))}" text-anchor="{anchor}" '
            f'font-size="10" fill="#555">'
            f"{escape(_label(bar.value))}/{escape(_label(bar.max))}（{share * 100:.0f}%）</text>"
        )
    shape = " ".join(
        f"{_num(x)},{_num(y)}"
        for x, y in (point(i, _share(b.value, b.max)) for i, b in enumerate(bars))
    )
    body.append(
        f'<polygon class="score" points="{shape}" fill="#c62828" fill-opacity="0.25" '
        f'stroke="#c62828" stroke-width="1.6"/>'
    )
    for index, bar in enumerate(bars):
        x, y = point(index, _share(bar.value, bar.max))
        body.append(f'<circle class="dot" cx="{_num(x)}" cy="{_num(y)}" r="2.6" fill="#c62828"/>')
    return _svg(width, height, body, title, "bm-radar-chart")


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    *,
    title: str,
    width: float = 520,
    row: float = 24,
) -> str:
    """Horizontal 100 % stacked bars with a legend: e.g. the grade distribution per unit type.

    :param rows: ``(label, counts)`` with one count per series, in series order.
    :param series: the series names (grades, best first), coloured with :data:`PALETTE`.
    """
    label_width = _label_room([label for label, _counts in rows], 11, width, least=0.22, most=0.45)
    count_width = 44.0
    track = width - label_width - count_width - 8
    legend_height = 22.0
    height = legend_height + row * max(len(rows), 1) + 6
    body: list[str] = []
    x = label_width
    for index, name in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<rect x="{_num(x)}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{_num(x + 13)}" y="13" font-size="10" fill="#222">{escape(name)}</text>'
        )
        x += 13 + 11 * max(len(name), 2) + 10
    for index, (label, counts) in enumerate(rows):
        y = legend_height + index * row
        total = sum(counts)
        body.append(
            f'<text x="{_num(label_width - 6)}" y="{_num(y + row * 0.62)}" text-anchor="end" '
            f'font-size="11" fill="#222">{escape(_fit(label, 11, label_width - 8))}</text>'
            f'<rect class="track" x="{_num(label_width)}" y="{_num(y + 3)}" width="{_num(track)}" '
            f'height="{_num(row - 8)}" fill="#eceff1"/>'
        )
        start = label_width
        for part, count in enumerate(counts):
            if not count or not total:
                continue
            span = track * count / total
            body.append(
                f'<rect class="series-{part}" x="{_num(start)}" y="{_num(y + 3)}" width="{_num(span)}" '
                f'height="{_num(row - 8)}" fill="{PALETTE[part % len(PALETTE)]}"/>'
            )
            if span >= 14:
                body.append(
                    f'<text x="{_num(start + span / 2)}" y="{_num(y + row * 0.6)}" text-anchor="middle" '
                    f'font-size="10" fill="#fff">{count}</text>'
                )
            start += span
        body.append(
            f'<text x="{_num(label_width + track + 6)}" y="{_num(y + row * 0.62)}" font-size="11" '
            f'fill="#222">{total}</text>'
        )
    return _svg(width, height, body, title, "bm-stacked-chart")
