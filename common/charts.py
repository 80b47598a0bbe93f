"""Accessible charts drawn on the server as SVG, for the OZG dashboard, the funding pages and anyone else.

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>`` (``aria-labelledby``), so a
screen reader announces the title and the description; the numbers themselves belong in a table next to the chart
(``chart_table`` + ``templates/includes/chart_table.html``). Colours come from CSS classes ``series-1`` …
``series-6`` in ``static/css/portal.css`` (no inline styles, a strict CSP follows); lines also differ by dash pattern
and marker shape, so that no information depends on colour alone. All text is escaped. The functions return
``SafeString``, ready for ``{{ chart }}`` in a template. The SVG plumbing (elements, escaping, the labelled root) is
``common.svg``, shared with the maps.

API
---
``bar_chart(*, title, description, categories, series, unit="", value_format=None, horizontal=True,
max_value=None, chart_id=None) -> SafeString``
    Grouped bars: one group per category, one bar per series, each with its value written next to it; a legend
    when there is more than one series. ``categories`` is a list of labels; ``series`` a list of
    ``{"label": str, "values": [Decimal | float | int | None, ...]}`` with one value per category (None = no
    value: no bar, "–" as label). ``horizontal=True`` (the default) draws bars from left to right with the labels
    in front, best for long labels such as Themenfelder or Kreise; ``horizontal=False`` draws columns.
    ``max_value`` fixes the scale (e.g. 100 for percentages); larger values are capped at the full length.

``line_chart(*, title, description, x_labels, series, unit="", value_format=None, chart_id=None) -> SafeString``
    A time series: one line per series over ``x_labels`` (e.g. months "01/2025"), a y axis from 0 with four
    gridlines, a legend. None values leave a gap in the line.

``progress_bar(*, label, value, max_value=100, value_text=None, bar_id=None) -> SafeString``
    A labelled native ``<progress>`` (KERN styling) with the value as text, e.g. "42 %".

``chart_table(*, title, categories, series, unit="", value_format=None, category_header="") -> dict``
    The same data as a table for ``{% include "includes/chart_table.html" with table=… %}``: caption, one row
    per category, one column per series, values formatted exactly as in the chart.

Sizing: horizontal bars and lines are *fluid*: the SVG has no viewBox, it is as wide as its container
(``width="100%"``, at most 60rem) and its horizontal positions are percentages, while its height and its text are
in CSS pixels. So text keeps its 13 px on a 375 px phone as on a desktop (a viewBox of 720 units shrank it to about
6 px there). Category labels sit on a line of their own above their bars and wrap at ``LABEL_CHARS`` characters
(what fits a 320 px screen), so a label is never cut; bars take at most ``BAR_SHARE`` % of the width, the rest holds
the value label. The polylines of a line chart are drawn in a nested, stretched viewBox with non-scaling strokes;
the markers are ``<use>`` of one shape per series in ``<defs>``, placed in percent. Columns (``horizontal=False``)
keep a viewBox of ``WIDTH`` units.

Value labels: ``value_format(value) -> str`` if given (e.g. ``formatting.format_euro``); otherwise German numbers
(integers without, other numbers with one decimal place) followed by ``unit`` ("42,5 %"). Negative values are
not supported (ValueError); an empty chart (no categories, no series, or no value other than 0/None) is drawn as
an "empty state" SVG with the title, the description and a short message.

Example (a view)::

    from common import charts
    from common.formatting import format_euro

    data = dict(title="Mittel je Jahr", categories=["2024", "2025"],
                series=[{"label": "Land", "values": [Decimal("3000000"), Decimal("2950000")]},
                        {"label": "Kommunen", "values": [Decimal("1700000"), Decimal("1700000")]}],
                value_format=format_euro)
    context["chart"] = charts.bar_chart(description="Landes- und Kommunalmittel 2024 und 2025 in Euro.", **data)
    context["table"] = charts.chart_table(**data, category_header="Jahr")

and in the template: ``{{ chart }}`` and ``{% include "includes/chart_table.html" with table=table %}``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.formatting import format_number, format_percent
from common.svg import document, element, ident
from common.svg import number as _n

Number = Decimal | float | int
ValueFormat = Callable[[Number], str]

SERIES_CLASSES = 6
WIDTH = 720
PAD = 8
FONT_CHAR_WIDTH = 7.2  # average advance of a 13 px Fira Sans character, for layout estimates
LEGEND_LINE = 24
BAR = 18
BAR_GAP = 4
GROUP_GAP = 14
COLUMN_PLOT_HEIGHT = 240
LINE_PLOT_HEIGHT = 260
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
# Fluid charts (see the module docstring).
LABEL_CHARS = 38  # a label line of 13 px Fira Sans that fits 288 px, the content width of a 320 px screen
LABEL_LINE = 17
BAR_SHARE = 62  # percent of the width for the longest bar; the rest keeps "2.950.000,00 €" inside the chart
LINE_INSET = 1.5  # percent left and right of the first and last point, so their markers are not cut
X_LABELS = 5  # month labels under a line chart: first, last and three between fit 288 px


def series_class(index: int) -> str:
    """CSS class of the n-th series (0-based): series-1 … series-6, then again from series-1."""
    return f"series-{index % SERIES_CLASSES + 1}"


# --- public API -----------------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[dict],
    unit: str = "",
    value_format: ValueFormat | None = None,
    horizontal: bool = True,
    max_value: Number | None = None,
    chart_id: str | None = None,
) -> SafeString:
    _check(title, categories, series)
    chart_id = chart_id or _chart_id("bar", title, description, categories, series)
    fmt = _formatter(unit, value_format)
    if _is_empty(categories, series):
        return _empty(chart_id, title, description, categories, series)
    scale = float(max_value) if max_value else max(_floats(series))
    if scale <= 0:
        scale = 1.0
    if horizontal:
        return _horizontal_bars(chart_id, title, description, categories, series, fmt, scale)
    return _vertical_bars(chart_id, title, description, categories, series, fmt, scale)


def line_chart(
    *,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[dict],
    unit: str = "",
    value_format: ValueFormat | None = None,
    chart_id: str | None = None,
) -> SafeString:
    _check(title, x_labels, series)
    chart_id = chart_id or _chart_id("line", title, description, x_labels, series)
    fmt = _formatter(unit, value_format)
    if _is_empty(x_labels, series):
        return _empty(chart_id, title, description, x_labels, series)

    top = _nice_ceiling(max(_floats(series)))
    ticks = [top * step / 4 for step in range(5)]
    tick_labels = [fmt(_as_number(tick)) for tick in ticks]
    defs = _marker_defs(chart_id, len(series))
    legend, legend_bottom = _legend(chart_id, series, lines=True)
    plot_top = legend_bottom + 22  # room for the highest axis label above its gridline
    plot_height = LINE_PLOT_HEIGHT
    plot_bottom = plot_top + plot_height
    height = plot_bottom + 30 + PAD
    count = len(x_labels)

    def x_at(index: int) -> float:
        """Percent of the width."""
        return 50.0 if count == 1 else LINE_INSET + (100 - 2 * LINE_INSET) * index / (count - 1)

    def y_at(value: float) -> float:
        """Pixels from the top of the plot."""
        return plot_height - plot_height * min(value, top) / top

    parts = [defs, legend]
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = plot_top + y_at(tick)
        css = "chart-baseline" if tick == 0 else "chart-grid"
        parts.append(_line(css, 0, y, "100%", y))
        # Above its gridline at the left edge: the plot keeps the full width on a narrow screen.
        parts.append(element("text", text, class_="chart-axis-label", x=0, y=y - 5))
    shown = sorted({round(step * (count - 1) / (X_LABELS - 1)) for step in range(X_LABELS)}) if count > 1 else [0]
    for index in shown:
        x = _pct(x_at(index))
        parts.append(_line("chart-axis", x, plot_bottom, x, plot_bottom + 5))
        anchor = "end" if index == count - 1 and count > 1 else ("start" if index == 0 and count > 1 else "middle")
        parts.append(
            element(
                "text",
                str(x_labels[index]),
                class_="chart-label",
                x=_pct(
                    x_at(index) - LINE_INSET
                    if anchor == "start"
                    else x_at(index) + LINE_INSET
                    if anchor == "end"
                    else x_at(index)
                ),
                y=plot_bottom + 22,
                text_anchor=anchor,
            )
        )
    for index, item in enumerate(series):
        css = series_class(index)
        segment: list[str] = []
        segments: list[list[str]] = []
        markers: list[str] = []
        for position, value in enumerate(item["values"]):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = x_at(position), y_at(float(value))
            segment.append(f"{_n(x)},{_n(y)}")
            markers.append(_use_marker(chart_id, index, _pct(x), plot_top + y, css))
        if segment:
            segments.append(segment)
        lines = [
            element(
                "polyline",
                class_=f"chart-line {css}",
                points=" ".join(points),
                vector_effect="non-scaling-stroke",
            )
            for points in segments
            if len(points) > 1
        ]
        # The lines in a viewBox of 100 x plot height, stretched to the width; the strokes keep their width.
        plot = element(
            "svg",
            children="".join(lines),
            y=plot_top,
            width="100%",
            height=plot_height,
            viewBox=f"0 0 100 {plot_height}",
            preserveAspectRatio="none",
            overflow="visible",
        )
        parts.append(element("g", children=plot + "".join(markers), class_="chart-series", data_series=item["label"]))
    if len(series) == 1:
        # The last value in words beside its point: it is the one to compare with the figures of the page.
        last = next(
            (
                (position, value)
                for position, value in reversed(list(enumerate(series[0]["values"])))
                if value is not None
            ),
            None,
        )
        if last is not None:
            position, value = last
            parts.append(
                element(
                    "text",
                    fmt(value),
                    class_="chart-value chart-value--last",
                    x=_pct(x_at(position) + LINE_INSET if count > 1 else x_at(position)),
                    y=plot_top + y_at(float(value)) - 10,
                    text_anchor="end" if count > 1 else "middle",
                )
            )
    return _svg(chart_id, title, description, height, "".join(parts), kind="line", fluid=True)


def progress_bar(
    *, label: str, value: Number, max_value: Number = 100, value_text: str | None = None, bar_id: str | None = None
) -> SafeString:
    if value is None or value < 0 or max_value is None or max_value < 0:
        raise ValueError(_("Fortschrittsbalken brauchen Werte ab 0."))
    shown = min(value, max_value)
    if value_text is None:
        share = Decimal(0) if not max_value else Decimal(str(shown)) * 100 / Decimal(str(max_value))
        value_text = format_percent(share)
    bar_id = bar_id or ident("progress", label, value, max_value)
    return mark_safe(  # noqa: S308 - element() escapes every text and attribute
        element(
            "div",
            class_="kern-progress portal-progress",
            children=element("label", str(label), class_="kern-label", for_=bar_id)
            + element("progress", value_text, id=bar_id, value=shown, max=max_value)
            + element("span", value_text, class_="portal-progress__value"),
        )
    )


def chart_table(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[dict],
    unit: str = "",
    value_format: ValueFormat | None = None,
    category_header: str = "",
    **_chart_only,
) -> dict:
    """Rows and columns for includes/chart_table.html. Extra keyword arguments of the chart functions (description,
    horizontal, max_value, chart_id) are accepted and ignored, so one dict of arguments can feed both."""
    _check(title, categories, series)
    fmt = _formatter(unit, value_format)
    return {
        "caption": str(title),
        "category_header": str(category_header) or _("Kategorie"),
        "columns": [str(item["label"]) for item in series],
        "rows": [
            {"label": str(category), "cells": [fmt(item["values"][index]) for item in series]}
            for index, category in enumerate(categories)
        ],
    }


# --- drawing --------------------------------------------------------------------------------------------


def _horizontal_bars(chart_id, title, description, categories, series, fmt, scale) -> SafeString:
    """Fluid: each category's label on its own line(s), its bars below, each value right after its bar."""
    legend, y = _legend(chart_id, series)
    parts = [legend]
    for row, category in enumerate(categories):
        if row:
            y += GROUP_GAP
        label_lines = _wrap(str(category))
        parts.append(_text_lines("chart-label", label_lines, x=0, y=y + 13))
        y += len(label_lines) * LABEL_LINE + 3
        for index, item in enumerate(series):
            value = item["values"][row]
            share = 0.0
            if value is not None:
                share = BAR_SHARE * min(float(value), scale) / scale
                parts.append(
                    element("rect", class_=f"chart-bar {series_class(index)}", x=0, y=y, width=_pct(share), height=BAR)
                )
            parts.append(element("text", fmt(value), class_="chart-value", x=_pct(share), dx=6, y=y + BAR / 2 + 4.5))
            y += BAR + (BAR_GAP if index < len(series) - 1 else 0)
    return _svg(chart_id, title, description, y + PAD, "".join(parts), kind="bar", fluid=True)


def _vertical_bars(chart_id, title, description, categories, series, fmt, scale) -> SafeString:
    legend, legend_height = _column_legend(series)
    left, right = PAD, WIDTH - PAD
    group_width = (right - left) / len(categories)
    label_width = max(len(fmt(value)) for item in series for value in item["values"]) * FONT_CHAR_WIDTH + 6
    bar_width = min(max(48.0, label_width), (group_width - 12) / len(series))
    # Where the value labels are wider than the bars, alternate them between two heights so they do not overlap.
    stagger = 16 if label_width > bar_width and len(series) > 1 else 0
    max_chars = max(3, int(group_width / FONT_CHAR_WIDTH) - 1)
    plot_top = PAD + legend_height + 20 + stagger  # room for the value labels above the highest bar
    plot_bottom = plot_top + COLUMN_PLOT_HEIGHT
    height = plot_bottom + 30 + PAD

    parts = [legend]
    for column, category in enumerate(categories):
        group_left = left + column * group_width + (group_width - bar_width * len(series)) / 2
        for index, item in enumerate(series):
            value = item["values"][column]
            x = group_left + index * bar_width
            length = 0.0
            if value is not None:
                length = COLUMN_PLOT_HEIGHT * min(float(value), scale) / scale
                parts.append(
                    element(
                        "rect",
                        class_=f"chart-bar {series_class(index)}",
                        x=x + 1,
                        y=plot_bottom - length,
                        width=bar_width - 2,
                        height=length,
                    )
                )
            parts.append(
                element(
                    "text",
                    fmt(value),
                    class_="chart-value",
                    x=x + bar_width / 2,
                    y=plot_bottom - length - 6 - (stagger if index % 2 else 0),
                    text_anchor="middle",
                )
            )
        parts.append(
            element(
                "text",
                _truncate(str(category), max_chars),
                class_="chart-label",
                x=left + (column + 0.5) * group_width,
                y=plot_bottom + 20,
                text_anchor="middle",
            )
        )
    parts.append(_line("chart-baseline", left, plot_bottom, right, plot_bottom))
    return _svg(chart_id, title, description, height, "".join(parts), kind="bar")


def _legend(chart_id: str, series: Sequence[dict], *, lines: bool = False) -> tuple[str, float]:
    """Fluid charts' legend: one item per line, so none is cut on a narrow screen; none for a single series.
    Returns the markup and the y where the chart continues."""
    if len(series) < 2:
        return "", PAD
    parts, y = ['<g class="chart-legend">'], PAD
    for index, item in enumerate(series):
        css = series_class(index)
        if lines:
            parts.append(_line(f"chart-line chart-legend-line {css}", 0, y + 7, 20, y + 7))
            parts.append(_use_marker(chart_id, index, 10, y + 7, css))
        else:
            parts.append(element("rect", class_=f"chart-swatch {css}", x=0, y=y, width=14, height=14))
        parts.append(element("text", str(item["label"]), class_="chart-legend-label", x=26, y=y + 12))
        y += LEGEND_LINE
    parts.append("</g>")
    return "".join(parts), y + 4


def _column_legend(series: Sequence[dict]) -> tuple[str, float]:
    """The columns' legend (in units of WIDTH): items left to right, wrapping; none for a single series."""
    if len(series) < 2:
        return "", 0
    parts, x, y = ['<g class="chart-legend">'], PAD, PAD
    for index, item in enumerate(series):
        label = str(item["label"])
        item_width = 26 + len(label) * FONT_CHAR_WIDTH + 18
        if x + item_width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + LEGEND_LINE
        parts.append(element("rect", class_=f"chart-swatch {series_class(index)}", x=x, y=y, width=14, height=14))
        parts.append(element("text", label, class_="chart-legend-label", x=x + 26, y=y + 12))
        x += item_width
    parts.append("</g>")
    return "".join(parts), y - PAD + LEGEND_LINE + 4


def _marker_defs(chart_id: str, count: int) -> str:
    """One marker shape per series (circle, square, triangle, ...) around (0, 0), used by every point."""
    shapes = [
        _marker(MARKERS[index % len(MARKERS)], 0, 0, "").replace(
            'class="chart-marker "', f'id="{chart_id}-m{index}"', 1
        )
        for index in range(min(count, len(MARKERS)))
    ]
    return element("defs", children="".join(shapes))


def _use_marker(chart_id: str, index: int, x, y: float, css: str) -> str:
    return element("use", href=f"#{chart_id}-m{index % len(MARKERS)}", class_=f"chart-marker {css}", x=x, y=y)


def _marker(shape: str, x: float, y: float, css: str) -> str:
    r = 4.5
    if shape == "circle":
        return element("circle", class_=f"chart-marker {css}", cx=x, cy=y, r=r)
    if shape == "square":
        return element("rect", class_=f"chart-marker {css}", x=x - r, y=y - r, width=2 * r, height=2 * r)
    points = {
        "triangle": [(0, -r - 1), (r + 1, r), (-r - 1, r)],
        "triangle-down": [(0, r + 1), (r + 1, -r), (-r - 1, -r)],
        "diamond": [(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
        "cross": [
            (-r, -1.5),
            (-1.5, -1.5),
            (-1.5, -r),
            (1.5, -r),
            (1.5, -1.5),
            (r, -1.5),
            (r, 1.5),
            (1.5, 1.5),
            (1.5, r),
            (-1.5, r),
            (-1.5, 1.5),
            (-r, 1.5),
        ],
    }[shape]
    coordinates = " ".join(f"{_n(x + dx)},{_n(y + dy)}" for dx, dy in points)
    return element("polygon", class_=f"chart-marker {css}", points=coordinates)


def _svg(
    chart_id: str, title: str, description: str, height: float, body: str, *, kind: str, fluid=False
) -> SafeString:
    if fluid:
        return document(
            id=chart_id,
            css_class=f"portal-chart portal-chart--{kind} portal-chart--fluid",
            title=title,
            description=description,
            viewbox=None,
            body=body,
            width="100%",
            height=height,
            focusable="false",
        )
    return document(
        id=chart_id,
        css_class=f"portal-chart portal-chart--{kind}",
        title=title,
        description=description,
        viewbox=(WIDTH, height),
        body=body,
        width=WIDTH,
        height=height,
        focusable="false",
    )


def _empty(chart_id, title, description, categories, series) -> SafeString:
    has_values = any(value is not None for item in series for value in item["values"])
    message = _("Alle Werte sind 0.") if categories and has_values else _("Keine Daten vorhanden.")
    height = 120
    body = element("rect", class_="chart-empty-frame", x=0.5, y=0.5, width="99.8%", height=height - 1, rx=4) + element(
        "text", message, class_="chart-empty", x="50%", y=height / 2 + 5, text_anchor="middle"
    )
    return _svg(chart_id, title, description, height, body, kind="empty", fluid=True)


# --- helpers --------------------------------------------------------------------------------------------


def _check(title, categories, series) -> None:
    if not str(title).strip():
        raise ValueError(_("Ein Diagramm braucht einen Titel."))
    for item in series:
        values = item["values"]
        if len(values) != len(categories):
            raise ValueError(
                _("Die Reihe „%(label)s“ hat %(values)d Werte für %(categories)d Kategorien.")
                % {"label": item["label"], "values": len(values), "categories": len(categories)}
            )
        if any(value is not None and value < 0 for value in values):
            raise ValueError(_("Die Reihe „%(label)s“ enthält negative Werte.") % {"label": item["label"]})


def _is_empty(categories, series) -> bool:
    return not categories or not series or not any(_floats(series))


def _floats(series: Sequence[dict]) -> list[float]:
    return [float(value) for item in series for value in item["values"] if value is not None] or [0.0]


def _formatter(unit: str, value_format: ValueFormat | None) -> Callable[[Number | None], str]:
    def fmt(value: Number | None) -> str:
        if value is None:
            return "–"
        if value_format is not None:
            return str(value_format(value))
        places = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral_value() else 1
        text = format_number(Decimal(str(value)), places)
        return f"{text}\u00a0{unit}" if unit else text

    return fmt


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 4, 6, 8, 10 × 10^k that is >= value: an axis maximum whose quarters read well."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-9):
            return float(candidate)
    return float(10 ** (exponent + 1))


def _as_number(value: float) -> Number:
    return int(value) if float(value).is_integer() else Decimal(str(round(value, 2)))


def _truncate(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(1, max_chars - 1)].rstrip() + "…"


def _wrap(text: str) -> list[str]:
    """A label in lines of at most LABEL_CHARS characters, broken at spaces (or hyphens); all of it is kept."""
    return textwrap.wrap(text, LABEL_CHARS, break_long_words=True) or [""]


def _text_lines(css: str, lines: list[str], *, x, y: float) -> str:
    """One <text>; more than one line as <tspan>s one line apart."""
    if len(lines) == 1:
        return element("text", lines[0], class_=css, x=x, y=y)
    spans = "".join(
        element("tspan", line, x=x, dy=0 if number == 0 else LABEL_LINE) for number, line in enumerate(lines)
    )
    return element("text", children=spans, class_=css, x=x, y=y)


def _pct(value: float) -> str:
    return f"{_n(value)}%"


def _line(css: str, x1: float, y1: float, x2: float, y2: float) -> str:
    return element("line", class_=css, x1=x1, y1=y1, x2=x2, y2=y2)


def _chart_id(kind: str, title, description, categories, series) -> str:
    flat = [(str(item["label"]), [str(v) for v in item["values"]]) for item in series]
    return ident(f"chart-{kind}", str(title), str(description), [str(c) for c in categories], flat)
