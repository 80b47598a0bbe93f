"""The SVG plumbing of the server-drawn charts (`common.charts`) and maps (`organisations.maps`): elements with every
text and attribute escaped, compact numbers, stable ids, and the accessible root: `<svg role="img">` labelled by its
own `<title>` and `<desc>` (`aria-labelledby`), with its viewBox."""

import hashlib
import html
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

NAMESPACE = "http://www.w3.org/2000/svg"


def escape(text: str) -> str:
    """`text` with &, <, >, " and ' escaped, as django.utils.html.escape does (which is `html.escape` behind a lazy
    wrapper): called for every attribute and text of a drawing, several hundred times per map."""
    return html.escape(text, quote=True)


def number(value: float) -> str:
    """Compact SVG number: at most one decimal place, no trailing zeros, never exponent notation."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return number(value)
    return str(value)


def attributes(**attrs) -> str:
    """` name="value"` for each attribute, escaped, in the given order; None leaves an attribute out. Python names
    map to SVG's: a trailing underscore goes (`class_`), other underscores become hyphens (`stroke_width`); names
    SVG writes in camel case are given as they are (`viewBox`). Numbers are written by `number`."""
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        parts.append(f' {name}="{escape(_value(value))}"')
    return "".join(parts)


def element(tag: str, text=None, /, *, children: str = "", **attrs) -> str:
    """One element: `text` is escaped, `children` is markup built by these functions; without either the element
    closes itself."""
    inner = (escape(str(text)) if text is not None else "") + children
    if not inner:
        return f"<{tag}{attributes(**attrs)}/>"
    return f"<{tag}{attributes(**attrs)}>{inner}</{tag}>"


def ident(prefix: str, *parts) -> str:
    """A stable id from the content (the same chart or map gets the same id on every render)."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{prefix}-{digest}"


def document(*, id: str, css_class: str, title, description, viewbox: tuple | None, body: str, **attrs) -> SafeString:
    """The root: `<svg role="img">` with the viewBox `0 0 width height` (`viewbox`: width and height; None for a
    fluid drawing without one, laid out in percent and pixels: `common.charts`), labelled by its `<title>` and
    `<desc>` (ids `<id>-title`, `<id>-desc`), then `body` (markup built by these functions). `attrs` (size,
    focusable, ...) come after the viewBox."""
    opening = attributes(
        xmlns=NAMESPACE,
        class_=css_class,
        id=id,
        role="img",
        aria_labelledby=f"{id}-title {id}-desc",
        viewBox=None if viewbox is None else f"0 0 {_value(viewbox[0])} {_value(viewbox[1])}",
        **attrs,
    )
    return mark_safe(  # noqa: S308 - every attribute and text above is escaped, `body` is built by element()
        f"<svg{opening}>"
        + element("title", str(title), id=f"{id}-title")
        + element("desc", str(description), id=f"{id}-desc")
        + f"{body}</svg>"
    )
