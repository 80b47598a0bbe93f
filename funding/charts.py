"""Server-drawn, accessible grouped bar chart for the transparency page (planned / approved / paid /
remaining per group). Uses the chart classes of static/css/portal.css (`portal-chart`, `series-N`); the same
numbers are always shown in a table next to it. Local to funding until the shared builder in
itvsh_portal/charts.py covers grouped bars."""

from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from itvsh_portal.formatting import format_euro

WIDTH = 720
LABEL_WIDTH = 230
BAR = 14
GAP = 3
GROUP_GAP = 18
TOP = 34


def measures():
    return [
        ("planned", _("Plan")),
        ("approved", _("Freigegeben")),
        ("paid", _("Ausgezahlt")),
        ("remaining", _("Verfügbar")),
    ]


def grouped_bars(*, chart_id: str, title: str, description: str, rows) -> str:
    """rows: SummaryRow objects. Returns <svg role="img"> with <title> and <desc>."""
    series = measures()
    values = [[max(getattr(row, key), Decimal(0)) for key, _label in series] for row in rows]
    top = max([v for group in values for v in group] + [Decimal(1)])
    plot = WIDTH - LABEL_WIDTH - 110
    group_height = len(series) * (BAR + GAP) + GROUP_GAP
    height = TOP + max(len(rows), 1) * group_height + 10
    parts = [
        format_html(
            '<svg class="portal-chart" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
            'width="{1}" height="{2}" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
            chart_id, WIDTH, height, title, description,
        )
    ]
    # legend (aria-hidden: the table carries the meaning)
    legend = []
    x = LABEL_WIDTH
    for index, (_key, label) in enumerate(series, start=1):
        legend.append(format_html(
            '<rect class="series-{}" x="{}" y="8" width="12" height="12"></rect>'
            '<text class="chart-axis-label" x="{}" y="18">{}</text>', index, x, x + 16, label))
        x += 16 + 8 * len(label) + 18
    parts.append(format_html('<g aria-hidden="true">{}</g>', mark_safe("".join(legend))))  # noqa: S308
    if not rows:
        parts.append(format_html('<text class="chart-empty" x="{}" y="{}">{}</text>', 10, TOP + 20,
                                 _("Keine Haushaltspositionen für diese Auswahl.")))
    for index, (row, group) in enumerate(zip(rows, values, strict=True)):
        y0 = TOP + index * group_height
        bars = [format_html('<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                            LABEL_WIDTH - 10, y0 + 2 * (BAR + GAP), _truncate(row.label))]
        for position, value in enumerate(group):
            y = y0 + position * (BAR + GAP)
            width = int(plot * value / top) if value else 0
            bars.append(format_html(
                '<rect class="series-{}" x="{}" y="{}" width="{}" height="{}"></rect>'
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                position + 1, LABEL_WIDTH, y, max(width, 1 if value else 0), BAR,
                LABEL_WIDTH + width + 6, y + BAR - 3, format_euro(value)))
        parts.append(format_html('<g aria-hidden="true">{}</g>', mark_safe("".join(bars))))  # noqa: S308
    parts.append(format_html(
        '<line class="chart-baseline" x1="{0}" x2="{0}" y1="{1}" y2="{2}"></line>', LABEL_WIDTH, TOP - 4, height - 8))
    parts.append(mark_safe("</svg>"))  # noqa: S308
    return mark_safe("".join(parts))  # noqa: S308


def _truncate(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
