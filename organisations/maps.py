"""Server-drawn, accessible SVG maps of Schleswig-Holstein from the shipped boundaries (data/geo/, VG5000).

Reusable by every app (e.g. the OZG dashboard's choropleths)::

    from organisations.maps import choropleth_map, locator_map
    svg = choropleth_map(layer="kreise", values={"01001": 0.4, "01002": None, ...}, title=..., description=...)

Layers and their keys:
- "kreise": 15 Kreise and kreisfreie Städte, keyed by the 5-digit Kreis key (`kreis_ags`, e.g. "01058"),
- "verbaende": 171 Ämter, amtsfreie Gemeinden and kreisfreie Städte, keyed by the 9-digit Verband key
  (`verband_ars9`, e.g. "010585890"),
- "gemeinden": 1,106 Gemeinden, keyed by the 12-digit ARS.
`Organisation.kreis_key` / `.verband_key` / `.ars` give the keys of a body.

Every map is an <svg role="img"> with <title> and <desc> (aria-labelledby), one <path class="map-region"> per
region with its own <title> (name and value), inside a group that holds what the regions share (stroke, fill rule,
the scale of the compact path data: `region_group`). The <svg> has the class `portal-map` (styled in
static/css/portal.css) plus `map-steps-{n}`; colour classes: `map-step-0` … `map-step-{n-1}` (light to dark),
`map-no-data`, `map-context`, `map-highlight`, `map-marker`; fills are also set as attributes, so a map is
readable without any CSS; static/organisations/maps.css spreads fewer than six steps over the whole ramp.
Pages still show the same data as a table beside the map. The SVG plumbing (elements, escaping, the labelled root)
is `common.svg`, shared with the charts.
The geometry is loaded, projected and simplified once per process (lru_cache).
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from common.svg import attributes, document, element, ident

LAYERS = {
    "kreise": ("sh_kreise_vg5000.geojson", "kreis_ags"),
    "verbaende": ("sh_gemeindeverbaende.geojson", "verband_ars9"),
    "gemeinden": ("sh_gemeinden.geojson", "ars"),
}
ATTRIBUTION = "© GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0"

# Equirectangular projection with the x axis scaled by cos(54.2°), the latitude at the middle of the Land.
REFERENCE_LATITUDE = 54.2
X_SCALE = math.cos(math.radians(REFERENCE_LATITUDE))
WIDTH = 400.0  # SVG user units; the map scales to its container
PADDING = 4.0
TOLERANCE = 0.35  # simplification tolerance in SVG units (about 0.1 % of the width)
#: Path data is written in steps of PATH_UNIT user units (0.125 % of the width: below a pixel at the map's largest
#: size), as whole numbers relative to the previous point; the group around the regions scales it back
#: (`REGION_GROUP`). The regions share their stroke and fill rule through that group.
PATH_UNIT = 0.5

# Light to dark; the same colours as --portal-map-0 … --portal-map-5 in static/css/portal.css.
PALETTE = ("#eef2fb", "#c9d6f1", "#93acdf", "#5b82c9", "#2f5aae", "#173a80")
MAX_STEPS = len(PALETTE)


def palette_index(step: int, steps: int) -> int:
    """The colour of step `step` of `steps`: spread over the whole ramp, so 3 steps use light, middle, dark."""
    return round(step * (MAX_STEPS - 1) / (steps - 1)) if steps > 1 else MAX_STEPS - 1


NODATA_FILL = "#d4d6de"
CONTEXT_FILL = "#e4e6ee"
HIGHLIGHT_FILL = "#0b5aa2"
STROKE = "#ffffff"
LEGEND_STROKE = "#6e7597"


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    @property
    def scale(self) -> float:
        return (WIDTH - 2 * PADDING) / ((self.east - self.west) * X_SCALE)

    @property
    def height(self) -> float:
        return round((self.north - self.south) * self.scale + 2 * PADDING, 1)


@dataclass(frozen=True)
class Region:  # frozen: its cached properties go into __dict__ (a frozen dataclass has one)
    key: str
    name: str
    d: str  # SVG path data, projected and simplified
    bbox: tuple[float, float, float, float]  # min x, min y, max x, max y in SVG units

    @cached_property
    def path_opening(self) -> str:
        """`<path d="…">` of the region, its attribute escaped once per process (a choropleth writes every region
        of its layer on each render)."""
        return f"<path{attributes(d=self.d)}>"

    @property
    def centre(self) -> tuple[float, float]:
        return (round((self.bbox[0] + self.bbox[2]) / 2, 1), round((self.bbox[1] + self.bbox[3]) / 2, 1))


def geo_dir() -> Path:
    return Path(settings.DATA_DIR) / "geo"


def _rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


@lru_cache(maxsize=1)
def land_bounds() -> Bounds:
    """Bounds of the Land (from the Kreise layer); all layers share them, so maps of any layer align."""
    data = json.loads((geo_dir() / LAYERS["kreise"][0]).read_text(encoding="utf-8"))
    lons, lats = [], []
    for feature in data["features"]:
        for ring in _rings(feature["geometry"]):
            for lon, lat in ring:
                lons.append(lon)
                lats.append(lat)
    return Bounds(min(lons), min(lats), max(lons), max(lats))


def project(lon: float, lat: float, bounds: Bounds | None = None) -> tuple[float, float]:
    """lon/lat (EPSG:4326) to SVG user units: x grows east, y grows south; rounded to 0.1."""
    bounds = bounds or land_bounds()
    x = PADDING + (lon - bounds.west) * X_SCALE * bounds.scale
    y = PADDING + (bounds.north - lat) * bounds.scale
    return round(x, 1), round(y, 1)


def simplify(points: list[tuple[float, float]], tolerance: float = TOLERANCE) -> list[tuple[float, float]]:
    """Douglas-Peucker on a ring's points (first point kept, iterative so long rings cannot overflow)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = points[start], points[end]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = 0.0, None
        for i in range(start + 1, end):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(start, index), (index, end)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _ring_path(ring: list[list[float]], bounds: Bounds) -> tuple[str, list[tuple[float, float]]]:
    projected = []
    for lon, lat in ring:
        point = project(lon, lat, bounds)
        if not projected or point != projected[-1]:
            projected.append(point)
    simplified = simplify(projected)
    if len(simplified) < 4:  # a tiny island: keep what rounding left, so that it stays visible
        simplified = projected
    if len(simplified) < 3:
        return "", projected
    return relative_path([(round(x / PATH_UNIT), round(y / PATH_UNIT)) for x, y in simplified[:-1]]), projected


def relative_path(points: list[tuple[int, int]]) -> str:
    """A closed ring as SVG path data: `M x y` and then each point relative to the one before (`l dx dy …`),
    whole numbers, a space only where no minus sign separates them; a point equal to the one before is left out."""
    (x, y), parts = points[0], []
    for next_x, next_y in points[1:]:
        delta_x, delta_y = next_x - x, next_y - y
        x, y = next_x, next_y
        if delta_x == delta_y == 0:
            continue
        for value in (delta_x, delta_y):
            if parts and value >= 0:
                parts.append(" ")
            parts.append(str(value))
    return f"M{points[0][0]} {points[0][1]}l{''.join(parts)}Z"


def region_group(css_class: str) -> str:
    """The opening `<g>` of a group of region paths: it scales the path data back to user units and gives the
    regions their common stroke and fill rule (readable without any CSS)."""
    return (
        f'<g class="{css_class}" transform="scale({PATH_UNIT:g})" stroke="{STROKE}" '
        f'stroke-width="{0.6 / PATH_UNIT:g}" fill-rule="evenodd">'
    )


@lru_cache(maxsize=len(LAYERS))
def load_layer(layer: str) -> dict[str, Region]:
    """The regions of a layer, keyed as documented above; loaded and projected once per process."""
    if layer not in LAYERS:
        raise ValueError(f"Unbekannte Kartenebene „{layer}“; erlaubt: {', '.join(LAYERS)}.")
    filename, key_property = LAYERS[layer]
    data = json.loads((geo_dir() / filename).read_text(encoding="utf-8"))
    bounds = land_bounds()
    regions = {}
    for feature in data["features"]:
        properties = feature["properties"]
        parts, xs, ys = [], [], []
        for ring in _rings(feature["geometry"]):
            d, projected = _ring_path(ring, bounds)
            if d:
                parts.append(d)
            xs += [x for x, _y in projected]
            ys += [y for _x, y in projected]
        key = str(properties[key_property])
        regions[key] = Region(
            key=key,
            name=properties.get("name", key),
            d="".join(parts),
            bbox=(min(xs), min(ys), max(xs), max(ys)),
        )
    return regions


def _document(*, layer: str, title: str, description: str, css_class: str, body: str, extra_height: float = 0.0):
    return document(
        id=ident("map", layer, str(title), str(description)),
        css_class=f"portal-map itvsh-map {css_class}",
        title=title,
        description=description,
        viewbox=(f"{WIDTH:g}", f"{land_bounds().height + extra_height:g}"),
        body=body,
        preserveAspectRatio="xMidYMid meet",
    )


def _path(region: Region, *, css_class: str, fill: str, label: str) -> str:
    return element("path", class_=css_class, d=region.d, fill=fill, children=element("title", label))


def locator_map(
    *,
    highlight_keys,
    layer: str,
    title: str,
    description: str,
    context_layer: str = "kreise",
) -> SafeString:
    """A small map locating regions: the Kreise as grey context, the highlighted regions of `layer` on top
    (class `map-highlight`), and a pin (`map-marker`) on small ones so that a Gemeinde or a Hallig is findable.

    Only the highlighted regions of `layer` are drawn, so a locator of a Gemeinde stays small."""
    highlight_keys = [str(key) for key in highlight_keys]
    regions = load_layer(layer)
    parts = [region_group("map-context-layer")]
    for region in load_layer(context_layer).values():
        if context_layer == layer and region.key in highlight_keys:
            continue
        parts.append(_path(region, css_class="map-region map-context", fill=CONTEXT_FILL, label=region.name))
    parts.append("</g>" + region_group("map-highlight-layer"))
    markers = []
    for key in highlight_keys:
        region = regions.get(key)
        if region is None:
            continue
        parts.append(_path(region, css_class="map-region map-highlight", fill=HIGHLIGHT_FILL, label=region.name))
        min_x, min_y, max_x, max_y = region.bbox
        if max(max_x - min_x, max_y - min_y) < MARKER_BELOW:
            markers.append(_pin(*region.centre))
    parts.append("</g>" + "".join(markers))
    return _document(
        layer=layer, title=title, description=description, css_class="portal-map--locator", body="".join(parts)
    )


#: Regions smaller than this (SVG units, about 15 km) get a pin, so that a Gemeinde or a Hallig is findable.
MARKER_BELOW = 30
PIN_FILL = "#131525"


def _pin(cx: float, cy: float) -> str:
    """A map pin whose tip stands on (cx, cy): a drop with a white dot in its head, outlined in white so that it
    reads on the grey context and on the highlight alike. Near the top edge it hangs downwards instead."""
    drop = f"M{cx:g} {cy:g}l-6.1-12.5a7 7 0 1 1 12.2 0z"
    return element(
        "g",
        class_="map-marker",
        transform=f"rotate(180 {cx:g} {cy:g})" if cy < 24 else None,
        aria_hidden="true",
        children=element("path", d=drop, fill=PIN_FILL, stroke=STROKE, stroke_width="1.5")
        + element("circle", cx=f"{cx:g}", cy=f"{cy - 16:g}", r="2.8", fill=STROKE),
    )


def step_of(value: float | None, steps: int) -> int | None:
    """The colour step (0 … steps-1) of a value 0..1; None stays None. Values outside 0..1 are clamped."""
    if value is None:
        return None
    value = min(max(float(value), 0.0), 1.0)
    return min(int(value * steps), steps - 1)


def default_value_label(value: float | None) -> str:
    if value is None:
        return _("keine Angabe")
    return f"{value * 100:.0f} %".replace(".", ",")


def choropleth_map(
    *,
    layer: str,
    values: dict,
    title: str,
    description: str,
    legend_steps: int = 5,
    value_label: Callable[[float | None], str] = default_value_label,
    legend_title: str = "",
    legend_label: Callable[[float | None], str] | None = None,
) -> SafeString:
    """A map with every region of `layer` coloured by its value (0..1; None = no data, class `map-no-data`),
    in `legend_steps` equal steps (2–6) with a legend below; the regions of one step are one group
    (`<g class="map-region map-step-N" fill="…">`). Each region's <title> reads "Name: value"
    (`value_label`); the legend's step bounds use `legend_label` (default: `value_label`), e.g. whole percent
    in the legend and one decimal place in the regions."""
    if not 2 <= legend_steps <= MAX_STEPS:
        raise ValueError(f"legend_steps muss zwischen 2 und {MAX_STEPS} liegen, nicht {legend_steps}.")
    palette = [PALETTE[palette_index(i, legend_steps)] for i in range(legend_steps)]
    regions = load_layer(layer)
    # One group per colour step holds its class and fill (shared definitions: no region repeats them).
    by_step: dict[int | None, list[str]] = {}
    for key, region in regions.items():
        value = values.get(key)
        label = element("title", f"{region.name}: {value_label(value)}")
        by_step.setdefault(step_of(value, legend_steps), []).append(f"{region.path_opening}{label}</path>")
    parts = [region_group("map-regions")]
    for step in sorted(by_step, key=lambda step: -1 if step is None else step):
        css_class = "map-region map-no-data" if step is None else f"map-region map-step-{step}"
        fill = NODATA_FILL if step is None else palette[step]
        parts.append(element("g", class_=css_class, fill=fill, children="".join(by_step[step])))
    parts.append("</g>")
    parts.append(_legend(palette, legend_title, legend_label or value_label, top=land_bounds().height + 4))
    return _document(
        layer=layer,
        title=title,
        description=description,
        css_class=f"itvsh-map--choropleth map-steps-{legend_steps}",
        body="".join(parts),
        extra_height=legend_height(legend_steps, titled=bool(legend_title)),
    )


#: Legend text in SVG units: at 375 CSS px a full-width map (about 350 px for 400 units) renders it at >= 12 px.
LEGEND_FONT_SIZE = 15
LEGEND_ROW = 22


def legend_height(steps: int, *, titled: bool) -> float:
    """The height the legend below a choropleth takes: its title, then the steps and "keine Angabe" in two
    columns."""
    return (LEGEND_ROW if titled else 0) + math.ceil((steps + 1) / 2) * LEGEND_ROW + 6


def _legend(palette, legend_title: str, value_label, *, top: float) -> str:
    """The steps (and "keine Angabe") as swatches with their bounds beside them, in two columns of rows, large
    enough to read on a phone."""
    steps = len(palette)
    column = (WIDTH - 2 * PADDING) / 2
    parts = [f'<g class="map-legend" font-size="{LEGEND_FONT_SIZE}" fill="#1a1a1a">']
    if legend_title:
        parts.append(element("text", legend_title, x=f"{PADDING:g}", y=f"{top + LEGEND_FONT_SIZE:g}"))
        top += LEGEND_ROW
    entries = [
        (f"map-step-{i}", colour, f"{value_label(i / steps)}–{value_label((i + 1) / steps)}")
        for i, colour in enumerate(palette)
    ]
    entries.append(("map-no-data", NODATA_FILL, _("keine Angabe")))
    rows = math.ceil(len(entries) / 2)
    for index, (css_class, fill, label) in enumerate(entries):
        x = PADDING + (index // rows) * column
        parts.append(_legend_step(css_class, fill, label, x=x, top=top + (index % rows) * LEGEND_ROW))
    parts.append("</g>")
    return "".join(parts)


def _legend_step(css_class: str, fill: str, label: str, *, x: float, top: float) -> str:
    return element(
        "rect",
        class_=css_class,
        x=f"{x:.1f}",
        y=f"{top + 4:g}",
        width="24",
        height="14",
        fill=fill,
        stroke=LEGEND_STROKE,
        stroke_width="0.6",
    ) + element("text", label, x=f"{x + 30:.1f}", y=f"{top + 16:g}")


def attribution() -> str:
    return escape(ATTRIBUTION)
