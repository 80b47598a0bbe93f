"""The Verwaltung page opens with a summary (figures by stage, "ohne Angabe" from the recorded Zuständigkeit), a
table of contents whose links all lead somewhere on the page, and long sections folded in <details>."""

import re

from django.urls import reverse

from ozg_monitoring.models import ExecutingLevel, Stage
from tests.ozg_monitoring.factories import OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory


def test_summary_counts_by_stage_and_the_leistungen_without_a_status(client, territory):
    online, building, _without = (OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE) for _ in range(3))
    OzgLeistungFactory(level=ExecutingLevel.KREIS)  # the Kreis's, not the Amt's
    OnlineStatusFactory(leistung=online, verwaltung=territory.foehr)
    RolloutStatusFactory(leistung=building, verwaltung=territory.foehr, stage=Stage.IN_UMSETZUNG)

    response = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]))
    assert response.context["summary"] == {
        "online": 1,
        "in_umsetzung": 1,
        "geplant": 0,
        "nicht_geplant": 0,
        "responsible": 3,
        "ohne_angabe": 1,
    }
    html = response.content.decode()
    figures = re.findall(r'<li class="ozg-figure"><span class="ozg-figure__value">(\d+)</span> ([^<]+)</li>', html)
    assert figures == [
        ("1", "online verfügbar"),
        ("1", "in Umsetzung"),
        ("0", "geplant"),
        ("0", "nicht geplant"),
        ("1", "ohne Angabe"),
    ]
    assert "zuständig ist (insgesamt 3)" in html
    # The table of contents: every in-page link has its target; the stages with Leistungen fold, closed.
    targets = re.findall(r'<nav class="ozg-section ozg-toc".*?</nav>', html, re.S)[0]
    anchors = re.findall(r'href="#([^"]+)"', targets)
    assert {"ueberblick", "leistungen", "verlauf", "stand-online", "stand-in_umsetzung"} <= set(anchors)
    assert all(f'id="{anchor}"' in html for anchor in anchors), anchors
    assert '<details class="kern-accordion" id="stand-online">' in html
    assert "geplant: keine" in html  # a stage without Leistungen: one line, nothing to unfold


def test_without_a_recorded_zustaendigkeit_ohne_angabe_is_not_known_rather_than_zero(client, territory):
    OzgLeistungFactory(level=ExecutingLevel.UNCLASSIFIED)
    response = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]))
    assert response.context["summary"]["responsible"] == 0
    html = response.content.decode()
    assert "nicht bekannt</span> ohne Angabe" in html
    assert "wie viele ohne Angabe sind, ist daher nicht bekannt" in html
