"""Server-drawn SVG maps (organisations/maps.py)."""

import re
import xml.etree.ElementTree as ET

import pytest

from organisations import maps

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output


def steps(root: ET.Element) -> list[ET.Element]:
    """The colour-step groups of a choropleth (`<g class="map-region map-step-N">` with their paths)."""
    return [g for g in root.iter(f"{SVG}g") if "map-region" in (g.get("class") or "").split()]


def test_layers_have_the_expected_regions():
    assert len(maps.load_layer("kreise")) == 15
    assert len(maps.load_layer("verbaende")) == 171
    assert len(maps.load_layer("gemeinden")) == 1106
    assert maps.load_layer("kreise")["01058"].name == "Rendsburg-Eckernförde"
    assert "010585890" in maps.load_layer("verbaende")
    assert "010585890008" in maps.load_layer("gemeinden")
    assert all(region.d.startswith("M") and region.d.endswith("Z") for region in maps.load_layer("gemeinden").values())


def test_layers_are_loaded_once_per_process():
    assert maps.load_layer("kreise") is maps.load_layer("kreise")
    with pytest.raises(ValueError, match="Unbekannte Kartenebene"):
        maps.load_layer("laender")


def test_projection_is_equirectangular_with_cos_54_2_scaling():
    bounds = maps.land_bounds()
    assert maps.project(bounds.west, bounds.north) == (maps.PADDING, maps.PADDING)
    east, south = maps.project(bounds.east, bounds.south)
    assert east == pytest.approx(maps.WIDTH - maps.PADDING, abs=0.1)
    assert south == pytest.approx(bounds.height - maps.PADDING, abs=0.1)
    # One degree of longitude is cos(54.2°) ≈ 0.585 of a degree of latitude on the map.
    x0, y0 = maps.project(9.0, 54.0)
    x1, _ = maps.project(10.0, 54.0)
    _, y1 = maps.project(9.0, 53.0)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(0.585, abs=0.002)
    # North is up, east is right: Kiel lies east of and north of Hamburg's edge at Norderstedt.
    kiel, norderstedt = maps.project(10.13, 54.32), maps.project(10.0, 53.7)
    assert kiel[0] > norderstedt[0] and kiel[1] < norderstedt[1]


def test_simplify_keeps_ends_and_drops_collinear_points():
    points = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 5.0), (0.0, 0.0)]
    assert maps.simplify(points, tolerance=0.1) == [(0.0, 0.0), (2.0, 0.0), (2.0, 5.0), (0.0, 0.0)]


def test_choropleth_of_the_kreise():
    values = {"01001": 0.0, "01002": 0.19, "01003": 0.5, "01058": 1.0, "01051": None}
    svg = maps.choropleth_map(
        layer="kreise", values=values, title="Anteil online", description="Beschreibung & mehr", legend_steps=5
    )
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").text == "Anteil online" and root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").text == "Beschreibung & mehr" and root.find(f"{SVG}desc").get("id") == desc_id
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 15
    # Each region sits in the group of its colour step, which holds the class and the fill.
    by_name = {p.find(f"{SVG}title").text.split(":")[0]: group for group in steps(root) for p in group}
    assert "map-step-4" in by_name["Rendsburg-Eckernförde"].get("class")
    assert by_name["Rendsburg-Eckernförde"].get("fill") == maps.PALETTE[maps.palette_index(4, 5)]
    assert "map-step-0" in by_name["Flensburg"].get("class") and "map-step-0" in by_name["Kiel"].get("class")
    assert "map-step-2" in by_name["Lübeck"].get("class")
    assert "map-no-data" in by_name["Dithmarschen"].get("class")
    titles = {p.find(f"{SVG}title").text for p in paths}
    assert "Lübeck: 50 %" in titles and "Dithmarschen: keine Angabe" in titles
    assert {p.get("class") for p in paths} == {None} and {p.get("fill") for p in paths} == {None}
    assert "map-steps-5" in root.get("class") and "portal-map" in root.get("class")
    assert len(root.findall(f".//{SVG}rect")) == 5 + 1  # legend: five steps and "keine Angabe"


def test_choropleth_of_the_verbaende_has_171_regions():
    svg = maps.choropleth_map(layer="verbaende", values={}, title="T", description="D", legend_steps=3)
    root = parse(svg)
    assert len(root.findall(f".//{SVG}path")) == 171
    groups = steps(root)
    assert len(groups) == 1 and "map-no-data" in groups[0].get("class") and len(groups[0]) == 171
    assert len(svg) < 40_000  # compact path data, shared stroke and fill (it was 81 KB)


def test_step_of_and_palette():
    assert [maps.step_of(v, 5) for v in (0, 0.2, 0.39, 0.999, 1, 1.5, -1, None)] == [0, 1, 1, 4, 4, 4, 0, None]
    assert [maps.palette_index(i, 3) for i in range(3)] == [0, 2, 5]
    with pytest.raises(ValueError):
        maps.choropleth_map(layer="kreise", values={}, title="T", description="D", legend_steps=9)


def test_locator_map_draws_kreise_as_context_and_the_highlight_on_top():
    svg = maps.locator_map(
        highlight_keys=["010585890008"], layer="gemeinden", title="Lage von <Ascheffel>", description="Im Kreis"
    )
    root = parse(svg)
    paths = [p for p in root.findall(f".//{SVG}path") if "map-region" in (p.get("class") or "")]
    assert len(paths) == 15 + 1
    highlighted = [p for p in paths if "map-highlight" in p.get("class")]
    assert len(highlighted) == 1 and highlighted[0].find(f"{SVG}title").text == "Ascheffel"
    # A pin whose tip stands on the Gemeinde's centre (not a ring around it, which read as a "prohibited" sign).
    (pin,) = root.findall(f".//{SVG}g[@class='map-marker']")
    cx, cy = maps.load_layer("gemeinden")["010585890008"].centre
    assert pin.find(f"{SVG}path").get("d").startswith(f"M{cx:g} {cy:g}l")
    assert pin.find(f"{SVG}circle").get("cy") == f"{cy - 16:g}" and pin.get("aria-hidden") == "true"
    assert root.find(f"{SVG}title").text == "Lage von <Ascheffel>"  # escaped in the markup, intact when parsed
    assert "&lt;Ascheffel&gt;" in svg


def test_locator_of_a_kreis_replaces_its_context_path_and_marks_small_regions():
    root = parse(maps.locator_map(highlight_keys=["01058"], layer="kreise", title="T", description="D"))
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 15 and len([p for p in paths if "map-highlight" in p.get("class")]) == 1
    assert root.find(f".//{SVG}g[@class='map-marker']") is None  # a Kreis is large enough to be seen
    hallig = parse(maps.locator_map(highlight_keys=["010545459050"], layer="gemeinden", title="T", description="D"))
    assert len(hallig.findall(f".//{SVG}g[@class='map-marker']")) == 1


def test_legend_text_is_large_enough_for_a_phone():
    """At 375 CSS px a full-width map is about 350 px wide for its 400 units: the legend's text must be at least
    13.7 units to render at 12 px (measured in the browser in tests/browser/test_journeys.py)."""
    root = parse(maps.choropleth_map(layer="kreise", values={}, title="T", description="D", legend_title="Anteil"))
    legend = root.find(f".//{SVG}g[@class='map-legend']")
    assert float(legend.get("font-size")) * 350 / 400 >= 12
    height = float(root.get("viewBox").split()[3])
    assert max(float(text.get("y")) for text in legend.findall(f"{SVG}text")) < height


def test_coordinates_are_rounded():
    d = maps.load_layer("kreise")["01058"].d
    numbers = re.findall(r"-?\d+(?:\.\d+)?", d)
    assert numbers and all(len(n.split(".")[1]) <= 1 for n in numbers if "." in n)


def test_choropleth_legend_label_formats_the_legend_and_value_label_the_regions():
    def one_place(value):
        return "keine Angabe" if value is None else f"{value * 100:.1f} %".replace(".", ",")

    def whole(value):
        return f"{value * 100:.0f} %"

    svg = maps.choropleth_map(
        layer="kreise",
        values={"01001": 0.123},
        title="T",
        description="D",
        legend_steps=5,
        value_label=one_place,
        legend_label=whole,
    )
    root = parse(svg)
    titles = [p.find(f"{SVG}title").text for p in root.findall(f".//{SVG}path")]
    assert "Flensburg: 12,3 %" in titles and "Kiel: keine Angabe" in titles
    legend = [t.text for t in root.findall(f".//{SVG}g[@class='map-legend']/{SVG}text")]
    assert legend == ["0 %–20 %", "20 %–40 %", "40 %–60 %", "60 %–80 %", "80 %–100 %", "keine Angabe"]
    default = parse(maps.choropleth_map(layer="kreise", values={}, title="T", description="D", value_label=one_place))
    assert default.findall(f".//{SVG}g[@class='map-legend']/{SVG}text")[0].text == "0,0 %–20,0 %"
