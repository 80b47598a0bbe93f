"""Server-drawn SVG charts: structure, accessibility hooks, escaping, empty states, the table include."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from common import charts
from common.formatting import format_euro

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, SafeString)
    return ET.fromstring(svg)  # noqa: S314 - our own output


def by_class(root: ET.Element, css: str, tag: str = "*") -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}{tag}" if tag != "*" else tag) if css in el.get("class", "").split()]


def texts(root: ET.Element, css: str) -> list[str]:
    return [el.text for el in by_class(root, css, "text")]


def percent(value: str) -> float:
    """A fluid chart's horizontal length: "62%" -> 62.0."""
    assert value.endswith("%"), value
    return float(value[:-1])


def assert_labelled(root: ET.Element, title: str, description: str) -> None:
    assert root.get("role") == "img"
    title_el, desc_el = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title_el.text == title and desc_el.text == description
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    # Colours come from CSS classes only: nothing inline (strict CSP).
    assert not [el for el in root.iter() if "style" in el.attrib or "fill" in el.attrib]


THEMENFELDER = {
    "title": "Leistungen online je Themenfeld",
    "description": "Zahl der OZG-Leistungen, die online verfügbar oder geplant sind, je Themenfeld.",
    "categories": ["Bauen & Wohnen", "Familie & Kind", "Gesundheit"],
    "series": [
        {"label": "online", "values": [36, 31, 0]},
        {"label": "geplant", "values": [19, None, Decimal("3")]},
    ],
    "unit": "Leistungen",
}


def test_grouped_horizontal_bars_with_value_labels_and_legend():
    root = parse(charts.bar_chart(**THEMENFELDER))
    assert_labelled(root, THEMENFELDER["title"], THEMENFELDER["description"])
    bars = by_class(root, "chart-bar", "rect")
    assert len(bars) == 5  # 3 categories x 2 series, minus the one None
    assert [bar.get("class") for bar in bars] == [
        "chart-bar series-1",
        "chart-bar series-2",
        "chart-bar series-1",
        "chart-bar series-1",
        "chart-bar series-2",
    ]
    assert texts(root, "chart-label") == ["Bauen & Wohnen", "Familie & Kind", "Gesundheit"]
    assert texts(root, "chart-value") == [
        "36\u00a0Leistungen",
        "19\u00a0Leistungen",
        "31\u00a0Leistungen",
        "–",
        "0\u00a0Leistungen",
        "3\u00a0Leistungen",
    ]
    assert texts(root, "chart-legend-label") == ["online", "geplant"]
    # Bar lengths are proportional: 36 is the longest bar, 18 would be half of it, 0 has no length.
    widths = [percent(bar.get("width")) for bar in bars]
    assert widths[0] == max(widths) == charts.BAR_SHARE
    assert widths[3] == 0
    assert widths[1] == pytest.approx(widths[0] * 19 / 36, abs=0.1)
    # Fluid: no viewBox, as wide as its container, so its 13 px text stays 13 px on a phone.
    assert root.get("viewBox") is None and root.get("width") == "100%"
    assert "portal-chart--fluid" in root.get("class")


def test_long_bar_labels_wrap_onto_lines_and_are_never_cut():
    long = "Forschung, Wissenschaft und Förderung der Unternehmensführung & -entwicklung"
    root = parse(
        charts.bar_chart(
            title="T", description="D", categories=[long, "kurz"], series=[{"label": "x", "values": [3, 31544]}]
        )
    )
    first, second = by_class(root, "chart-label", "text")
    lines = [span.text for span in first.iter(f"{SVG}tspan")]
    assert len(lines) == 2 and all(len(line) <= charts.LABEL_CHARS for line in lines)
    assert " ".join(lines) == long  # all of it, nothing cut
    assert second.text == "kurz"
    # German thousands separator in the value labels.
    assert texts(root, "chart-value") == ["3", "31.544"]


def test_max_value_fixes_the_scale_and_caps_longer_bars():
    data = {"title": "Anteil", "description": "Anteil in Prozent.", "categories": ["a", "b", "c"], "unit": "%"}
    root = parse(charts.bar_chart(**data, series=[{"label": "x", "values": [50, 100, 150]}], max_value=100))
    widths = [percent(bar.get("width")) for bar in by_class(root, "chart-bar", "rect")]
    assert widths[0] == pytest.approx(widths[1] / 2, abs=0.1)
    assert widths[2] == widths[1]
    assert texts(root, "chart-value") == ["50\u00a0%", "100\u00a0%", "150\u00a0%"]
    # A single series needs no legend.
    assert by_class(root, "chart-legend", "g") == []


def test_vertical_bars_and_custom_value_format():
    root = parse(
        charts.bar_chart(
            title="Mittel je Jahr",
            description="Landes- und Kommunalmittel.",
            categories=["2024", "2025"],
            series=[
                {"label": "Land", "values": [Decimal("3000000"), Decimal("2950000.5")]},
                {"label": "Kommunen", "values": [Decimal("1700000"), Decimal("1700000")]},
            ],
            value_format=format_euro,
            horizontal=False,
        )
    )
    bars = by_class(root, "chart-bar", "rect")
    assert len(bars) == 4
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[0] == max(heights) == charts.COLUMN_PLOT_HEIGHT
    assert texts(root, "chart-value")[:2] == ["3.000.000,00\u00a0€", "1.700.000,00\u00a0€"]
    assert texts(root, "chart-label") == ["2024", "2025"]


def test_all_text_is_escaped():
    svg = charts.bar_chart(
        title="Titel <script>alert(1)</script>",
        description='Beschreibung "mit" <b>',
        categories=["<img src=x onerror=alert(1)>", "A & B"],
        series=[{"label": "<Reihe>", "values": [1, 2]}, {"label": "zwei", "values": [2, 1]}],
    )
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg and "<Reihe>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == "Titel <script>alert(1)</script>"
    assert texts(root, "chart-label")[1] == "A & B"
    assert texts(root, "chart-legend-label")[0] == "<Reihe>"


@pytest.mark.parametrize(
    ("categories", "series", "message"),
    [
        ([], [], "Keine Daten vorhanden."),
        (["a", "b"], [], "Keine Daten vorhanden."),
        (["a", "b"], [{"label": "x", "values": [None, None]}], "Keine Daten vorhanden."),
        (["a", "b"], [{"label": "x", "values": [0, Decimal("0.00")]}], "Alle Werte sind 0."),
    ],
)
def test_empty_or_zero_data_gives_an_empty_state_svg(categories, series, message):
    for svg in (
        charts.bar_chart(title="Leer", description="Nichts da.", categories=categories, series=series),
        charts.line_chart(title="Leer", description="Nichts da.", x_labels=categories, series=series),
    ):
        root = parse(svg)
        assert_labelled(root, "Leer", "Nichts da.")
        assert "portal-chart--empty" in root.get("class")
        assert texts(root, "chart-empty") == [message]
        assert by_class(root, "chart-bar") == [] and by_class(root, "chart-line") == []


def test_invalid_input_is_rejected_with_a_german_message():
    with pytest.raises(ValueError, match="hat 1 Werte für 2 Kategorien"):
        charts.bar_chart(title="T", description="D", categories=["a", "b"], series=[{"label": "x", "values": [1]}])
    with pytest.raises(ValueError, match="negative Werte"):
        charts.bar_chart(title="T", description="D", categories=["a"], series=[{"label": "x", "values": [-1]}])
    with pytest.raises(ValueError, match="Titel"):
        charts.bar_chart(title=" ", description="D", categories=["a"], series=[{"label": "x", "values": [1]}])


def test_line_chart_draws_one_line_per_series_with_gaps_for_missing_values():
    months = [f"{m:02d}/2025" for m in range(1, 13)]
    root = parse(
        charts.line_chart(
            title="Anteil online",
            description="Anteil der Verwaltungen mit Online-Angebot je Monat.",
            x_labels=months,
            series=[
                {"label": "Kreise", "values": [10 + m for m in range(12)]},
                {"label": "Ämter", "values": [1, 2, 3, None, 5, 6, 7, 8, 9, 10, 11, 12]},
            ],
            unit="%",
        )
    )
    assert_labelled(root, "Anteil online", "Anteil der Verwaltungen mit Online-Angebot je Monat.")
    lines = by_class(root, "chart-line", "polyline")
    assert [line.get("class") for line in lines] == [
        "chart-line series-1",
        "chart-line series-2",
        "chart-line series-2",
    ]  # the None splits the second series
    assert [len(line.get("points").split()) for line in lines] == [12, 3, 8]
    # Markers differ in shape per series, not only in colour: circles, then squares, each shape defined once.
    shapes = {el.get("id"): el.tag for el in root.find(f"{SVG}defs")}
    markers = by_class(root, "chart-marker", "use")
    assert {shapes[m.get("href")[1:]] for m in markers if "series-1" in m.get("class")} == {f"{SVG}circle"}
    assert {shapes[m.get("href")[1:]] for m in markers if "series-2" in m.get("class")} == {f"{SVG}rect"}
    assert len(markers) == 12 + 11 + 2  # points plus the two legend samples
    # Points placed in percent of the width, the first and last inset so that their markers are not cut.
    first_points = [m for m in markers if "series-1" in m.get("class")][1:]  # after the legend sample
    assert percent(first_points[0].get("x")) == charts.LINE_INSET
    assert percent(first_points[-1].get("x")) == 100 - charts.LINE_INSET
    # Axis from 0 to a readable maximum (21 -> 40), labelled in the unit.
    assert texts(root, "chart-axis-label") == ["0\u00a0%", "10\u00a0%", "20\u00a0%", "30\u00a0%", "40\u00a0%"]
    labels = texts(root, "chart-label")
    assert labels[0] == "01/2025" and labels[-1] == "12/2025" and len(labels) == charts.X_LABELS
    # Two series: no single "last value" label (it could not say which line it belongs to).
    assert by_class(root, "chart-value--last") == []


def test_a_single_line_names_its_last_value_with_the_german_thousands_separator():
    root = parse(
        charts.line_chart(
            title="Onlinedienste",
            description="Je Monat.",
            x_labels=["10/2026", "11/2026", "heute"],
            series=[{"label": "Onlinedienste", "values": [9000, 9234, 10431]}],
        )
    )
    assert texts(root, "chart-value--last") == ["10.431"]
    assert texts(root, "chart-axis-label")[-1] == "20.000"
    assert texts(root, "chart-label") == ["10/2026", "11/2026", "heute"]


def test_chart_ids_are_stable_and_distinct():
    first = charts.bar_chart(**THEMENFELDER)
    assert charts.bar_chart(**THEMENFELDER) == first
    other = charts.bar_chart(**{**THEMENFELDER, "title": "Anderer Titel"})
    assert parse(first).get("id") != parse(other).get("id")
    assert parse(charts.bar_chart(**THEMENFELDER, chart_id="themen")).get("id") == "themen"


def test_progress_bar_is_a_labelled_native_progress_element():
    html = charts.progress_bar(label="Fokusleistungen <online>", value=42, max_value=60)
    root = ET.fromstring(html)  # noqa: S314
    label, progress, text = list(root)
    assert label.tag == "label" and label.text == "Fokusleistungen <online>"
    assert label.get("for") == progress.get("id")
    assert (progress.get("value"), progress.get("max")) == ("42", "60")
    assert text.text == "70\u00a0%"
    with pytest.raises(ValueError):
        charts.progress_bar(label="x", value=-1)


def test_chart_table_include_renders_the_same_numbers_accessibly():
    table = charts.chart_table(**THEMENFELDER, category_header="Themenfeld")
    html = render_to_string("includes/chart_table.html", {"table": table})
    root = ET.fromstring(html.split("#}", 1)[-1].strip())  # noqa: S314
    assert root.get("role") == "region" and root.get("tabindex") == "0"
    table_el = root.find("table")
    assert table_el.find("caption").text == THEMENFELDER["title"]
    head = [(th.text, th.get("scope")) for th in table_el.find("thead").iter("th")]
    assert head == [("Themenfeld", "col"), ("online", "col"), ("geplant", "col")]
    rows = table_el.find("tbody").findall("tr")
    assert [(row.find("th").text, row.find("th").get("scope")) for row in rows] == [
        ("Bauen & Wohnen", "row"),
        ("Familie & Kind", "row"),
        ("Gesundheit", "row"),
    ]
    assert [[td.text for td in row.findall("td")] for row in rows] == [
        ["36\u00a0Leistungen", "19\u00a0Leistungen"],
        ["31\u00a0Leistungen", "–"],
        ["0\u00a0Leistungen", "3\u00a0Leistungen"],
    ]
