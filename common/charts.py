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
    legend, legend_height = _legend(series, lines=True)
    axis_width = max(len(text) for text in tick_labels) * FONT_CHAR_WIDTH + 12
    left, right = PAD + axis_width, WIDTH - PAD - 12
    plot_top = PAD + legend_height + 8
    plot_bottom = plot_top + LINE_PLOT_HEIGHT
    height = plot_bottom + 34 + PAD
    count = len(x_labels)

    def x_at(index: int) -> float:
        return (left + right) / 2 if count == 1 else left + (right - left) * index / (count - 1)

    def y_at(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * min(value, top) / top

    parts = [legend]
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = y_at(tick)
        css = "chart-baseline" if tick == 0 else "chart-grid"
        parts.append(_line(css, left, y, right, y))
        parts.append(element("text", text, class_="chart-axis-label", x=left - 6, y=y + 4, text_anchor="end"))
    step = max(1, math.ceil(count / 8))
    shown = list(range(0, count, step))
    if shown[-1] != count - 1:
        # The last label always shows; it replaces a regular one that would sit too close to it.
        if count - 1 - shown[-1] < step * 0.75 and len(shown) > 1:
            shown.pop()
        shown.append(count - 1)
    for index in shown:
        label = x_labels[index]
        x = x_at(index)
        parts.append(_line("chart-axis", x, plot_bottom, x, plot_bottom + 5))
        anchor = "end" if index == count - 1 and count > 1 else ("start" if index == 0 and count > 1 else "middle")
        parts.append(
            element(
                "text", _truncate(str(label), 12), class_="chart-label", x=x, y=plot_bottom + 22, text_anchor=anchor
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
            markers.append(_marker(MARKERS[index % len(MARKERS)], x, y, css))
        if segment:
            segments.append(segment)
        lines = [
            element("polyline", class_=f"chart-line {css}", points=" ".join(points))
            for points in segments
            if len(points) > 1
        ]
        parts.append(
            element("g", children="".join([*lines, *markers]), class_="chart-series", data_series=item["label"])
        )
    return _svg(chart_id, title, description, height, "".join(parts), kind="line")


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
    legend, legend_height = _legend(series)
    labels = [fmt(value) for item in series for value in item["values"]]
    label_width = min(max(len(str(c)) for c in categories) * FONT_CHAR_WIDTH + 12, WIDTH * 0.4)
    value_width = max(len(text) for text in labels) * FONT_CHAR_WIDTH + 10
    bar_left = PAD + label_width
    bar_space = WIDTH - PAD - value_width - bar_left
    group_height = len(series) * BAR + (len(series) - 1) * BAR_GAP
    top = PAD + legend_height
    height = top + len(categories) * group_height + (len(categories) - 1) * GROUP_GAP + PAD
    max_chars = int((label_width - 12) / FONT_CHAR_WIDTH)

    parts = [legend]
    for row, category in enumerate(categories):
        group_top = top + row * (group_height + GROUP_GAP)
        parts.append(
            element(
                "text",
                _truncate(str(category), max_chars),
                class_="chart-label",
                x=bar_left - 8,
                y=group_top + group_height / 2 + 4.5,
                text_anchor="end",
            )
        )
        for index, item in enumerate(series):
            value = item["values"][row]
            y = group_top + index * (BAR + BAR_GAP)
            if value is not None:
                length = bar_space * min(float(value), scale) / scale
                parts.append(
                    element(
                        "rect", class_=f"chart-bar {series_class(index)}", x=bar_left, y=y, width=length, height=BAR
                    )
                )
            else:
                length = 0
            parts.append(
                element("text", fmt(value), class_="chart-value", x=bar_left + length + 6, y=y + BAR / 2 + 4.5)
            )
    parts.append(_line("chart-baseline", bar_left, top - 2, bar_left, height - PAD + 2))
    return _svg(chart_id, title, description, height, "".join(parts), kind="bar")


def _vertical_bars(chart_id, title, description, categories, series, fmt, scale) -> SafeString:
    legend, legend_height = _legend(series)
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


def _legend(series: Sequence[dict], *, lines: bool = False) -> tuple[str, float]:
    """Legend items left to right, wrapping; none for a single series."""
    if len(series) < 2:
        return "", 0
    parts, x, y = ['<g class="chart-legend">'], PAD, PAD
    for index, item in enumerate(series):
        label = str(item["label"])
        item_width = 26 + len(label) * FONT_CHAR_WIDTH + 18
        if x + item_width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + LEGEND_LINE
        css = series_class(index)
        if lines:
            parts.append(_line(f"chart-line chart-legend-line {css}", x, y + 7, x + 20, y + 7))
            parts.append(_marker(MARKERS[index % len(MARKERS)], x + 10, y + 7, css))
        else:
            parts.append(element("rect", class_=f"chart-swatch {css}", x=x, y=y, width=14, height=14))
        parts.append(element("text", label, class_="chart-legend-label", x=x + 26, y=y + 12))
        x += item_width
    parts.append("</g>")
    return "".join(parts), y - PAD + LEGEND_LINE + 4


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


def _svg(chart_id: str, title: str, description: str, height: float, body: str, *, kind: str) -> SafeString:
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
    body = element("rect", class_="chart-empty-frame", x=1, y=1, width=WIDTH - 2, height=height - 2, rx=4) + element(
        "text", message, class_="chart-empty", x=WIDTH / 2, y=height / 2 + 5, text_anchor="middle"
    )
    return _svg(chart_id, title, description, height, body, kind="empty")


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


def _line(css: str, x1: float, y1: float, x2: float, y2: float) -> str:
    return element("line", class_=css, x1=x1, y1=y1, x2=x2, y2=y2)


def _chart_id(kind: str, title, description, categories, series) -> str:
    flat = [(str(item["label"]), [str(v) for v in item["values"]]) for item in series]
    return ident(f"chart-{kind}", str(title), str(description), [str(c) for c in categories], flat)
