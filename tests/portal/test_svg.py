"""The one SVG helper (common/svg.py) that charts and maps share."""

import ast
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from common import svg

ROOT = Path(__file__).resolve().parents[2]
NS = "{http://www.w3.org/2000/svg}"


def test_elements_escape_text_and_attributes_and_write_compact_numbers():
    assert svg.element("text", 'a < b & "c"', class_="x", x=1.25, y=Decimal("2.0"), text_anchor="end") == (
        '<text class="x" x="1.2" y="2" text-anchor="end">a &lt; b &amp; &quot;c&quot;</text>'
    )
    assert (
        svg.element("rect", width=14, data_series='"><script>')
        == '<rect width="14" data-series="&quot;&gt;&lt;script&gt;"/>'
    )
    assert svg.element("g", children=svg.element("line", x1=0)) == '<g><line x1="0"/></g>'
    assert svg.attributes(a=None, for_="id") == ' for="id"'
    assert [svg.number(v) for v in (3.0, 2.25, 1e-7, 12345678.9)] == ["3", "2.2", "0", "12345678.9"]


def test_the_root_is_labelled_by_its_title_and_description():
    root = ET.fromstring(  # noqa: S314 - our own output
        str(
            svg.document(
                id=svg.ident("chart-x", "a"),
                css_class="portal-chart",
                title="Titel <1>",
                description="Beschreibung & mehr",
                viewbox=(720, 130.5),
                body=svg.element("rect", x=1),
                focusable="false",
            )
        )
    )
    ident = root.get("id")
    assert ident.startswith("chart-x-") and ident == svg.ident("chart-x", "a")
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 720 130.5"
    assert root.get("aria-labelledby") == f"{ident}-title {ident}-desc"
    assert root.find(f"{NS}title").text == "Titel <1>" and root.find(f"{NS}title").get("id") == f"{ident}-title"
    assert root.find(f"{NS}desc").text == "Beschreibung & mehr"
    assert root.get("class") == "portal-chart" and root.get("focusable") == "false"


def test_charts_and_maps_open_no_svg_of_their_own():
    for path in (ROOT / "common" / "charts.py", ROOT / "organisations" / "maps.py"):
        strings = [
            node.value
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        code = [text for text in strings if "<svg" in text or "<title" in text or "viewBox" in text]
        # docstrings may name the elements; no code string builds them
        assert all(text.count("\n") > 2 for text in code), (path.name, code)
