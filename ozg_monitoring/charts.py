"""Server-drawn, accessible SVG for the OZG pages: horizontal bars, a line chart and choropleth maps.

Every SVG has role="img", a <title> and a <desc>; the page shows the same data as a table next to it. The
classes (portal-chart, series-N, portal-map, map-step-N) are styled in static/css/portal.css; no inline style.
"""

import json
import math
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from itvsh_portal.formatting import format_number

_counter = 0


def _ids(prefix: str) -> tuple[str, str]:
    global _counter
    _counter = (_counter + 1) % 1_000_000
    return f"{prefix}-title-{_counter}", f"{prefix}-desc-{_counter}"


def _open(prefix: str, width: int, height: int, title: str, description: str, css: str = "portal-chart") -> str:
    title_id, desc_id = _ids(prefix)
    return (
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
    )


def bar_chart(rows, *, title: str, description: str, maximum: float = 100.0, unit: str = " %", places: int = 1):
    """Horizontal bars: rows = [(label, value)]; values from 0 to `maximum`."""
    label_width, bar_width, row_height = 260, 420, 26
    height = max(row_height * len(rows) + 30, 60)
    parts = [_open("bar", label_width + bar_width + 90, height, title, description)]
    if not rows:
        parts.append(f'<text class="chart-empty" x="20" y="35">{escape("Keine Daten vorhanden.")}</text></svg>')
        return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
    for tick in (0, 25, 50, 75, 100):
        x = label_width + bar_width * tick / 100
        parts.append(f'<line class="chart-grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 22}"/>')
        tick_label = format_number(maximum * tick / 100, 0) + unit.strip()
        parts.append(f'<text class="chart-axis-label" x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
                     f"{escape(tick_label)}</text>")
    for index, (label, value) in enumerate(rows):
        y = index * row_height + 4
        width = bar_width * min(max(value or 0, 0), maximum) / maximum if maximum else 0
        parts.append(f'<text class="chart-label" x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
                     f"{escape(str(label)[:38])}</text>")
        parts.append(
            f'<rect class="series-1" x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{row_height - 8}"/>'
        )
        parts.append(f'<text class="chart-value" x="{label_width + width + 6:.1f}" y="{y + 16}">'
                     f"{escape(format_number(value, places) + unit)}</text>")
    parts.append(f'<line class="chart-baseline" x1="{label_width}" y1="0" x2="{label_width}" y2="{height - 22}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def line_chart(labels, series, *, title: str, description: str):
    """Lines over time: labels = x labels; series = [(name, [values])]. Dash patterns tell series apart."""
    width, height, left, bottom, top = 720, 300, 70, 40, 20
    plot_w, plot_h = width - left - 150, height - bottom - top
    parts = [_open("line", width, height, title, description)]
    values = [value for _name, points in series for value in points if value is not None]
    if not labels or not values:
        parts.append(f'<text class="chart-empty" x="20" y="35">{escape("Noch keine Monatsstände vorhanden.")}</text>')
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308
    top_value = max(values) or 1
    magnitude = 10 ** max(len(str(int(top_value))) - 1, 0)
    top_value = math.ceil(top_value / magnitude) * magnitude
    for step in range(5):
        value = top_value * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-axis-label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(format_number(value))}</text>")
    count = len(labels)

    def x_of(index):
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    every = max(1, math.ceil(count / 8))
    for index, label in enumerate(labels):
        if index % every == 0 or index == count - 1:
            parts.append(f'<text class="chart-axis-label" x="{x_of(index):.1f}" y="{height - 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for number, (name, points) in enumerate(series, start=1):
        coords = [
            f"{x_of(index):.1f},{top + plot_h - plot_h * (value or 0) / top_value:.1f}"
            for index, value in enumerate(points)
        ]
        parts.append(f'<polyline class="chart-line series-{number}" points="{" ".join(coords)}"/>')
        legend_y = top + 10 + 22 * (number - 1)
        parts.append(f'<line class="chart-legend-line chart-line series-{number}" x1="{left + plot_w + 12}" '
                     f'y1="{legend_y}" x2="{left + plot_w + 40}" y2="{legend_y}"/>')
        parts.append(f'<text class="chart-label" x="{left + plot_w + 46}" y="{legend_y + 4}">{escape(name)}</text>')
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}"/></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


# --- maps --------------------------------------------------------------------------------------------------

MAP_WIDTH = 600


@lru_cache(maxsize=4)
def _projected(filename: str, key_property: str) -> tuple[int, list[tuple[str, str, str]]]:
    """[(key, name, svg path)] of a GeoJSON file, projected (equirectangular, scaled by cos(latitude))."""
    data = json.loads((Path(settings.DATA_DIR) / "geo" / filename).read_text(encoding="utf-8"))
    polygons = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        rings = geometry["coordinates"] if geometry["type"] == "Polygon" else [
            ring for polygon in geometry["coordinates"] for ring in polygon
        ]
        polygons.append((feature["properties"], rings))
    lons = [point[0] for _props, rings in polygons for ring in rings for point in ring]
    lats = [point[1] for _props, rings in polygons for ring in rings for point in ring]
    factor = math.cos(math.radians((min(lats) + max(lats)) / 2))
    scale = MAP_WIDTH / ((max(lons) - min(lons)) * factor)
    height = round((max(lats) - min(lats)) * scale)
    shapes = []
    for props, rings in polygons:
        path = []
        for ring in rings:
            points = [
                f"{(lon - min(lons)) * factor * scale:.1f},{(max(lats) - lat) * scale:.1f}" for lon, lat in ring
            ]
            path.append("M" + "L".join(points) + "Z")
        shapes.append((str(props[key_property]), str(props.get("name") or props.get("GEN") or ""), "".join(path)))
    return height, shapes


def map_step(value, steps) -> int | None:
    """Index of the legend step a share falls into (steps = upper bounds, ascending)."""
    if value is None:
        return None
    for index, upper in enumerate(steps):
        if value <= upper:
            return index
    return len(steps) - 1


def choropleth(*, filename: str, key_property: str, values: dict, names: dict, title: str, description: str,
               steps=(0, 10, 25, 50, 75, 100)):
    """A map of SH with one region per key; `values` key -> share in percent (missing: no data)."""
    height, shapes = _projected(filename, key_property)
    parts = [_open("map", MAP_WIDTH, height, title, description, css="portal-map")]
    for key, geo_name, path in shapes:
        value = values.get(key)
        step = map_step(value, steps)
        css = "map-no-data" if step is None else f"map-step-{step}"
        label = names.get(key) or geo_name
        text = f"{label}: {format_number(value, 1)} %" if value is not None else f"{label}: keine Daten"
        parts.append(f'<path class="map-region {css}" d="{path}"><title>{escape(text)}</title></path>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def legend(steps=(0, 10, 25, 50, 75, 100)) -> list[dict]:
    items, low = [], None
    for index, upper in enumerate(steps):
        if low is None:
            label = f"{format_number(upper)} %"
        else:
            label = f"über {format_number(low)} bis {format_number(upper)} %"
        items.append({"css": f"map-step-{index}", "label": label})
        low = upper
    return items
