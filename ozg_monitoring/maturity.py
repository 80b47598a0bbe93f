"""The Reifegrad in plain words: the one definition every page uses (`templates/ozg_monitoring/_maturity.html`,
the `reifegrad` template filter in `itvsh_portal.templatetags.portal_tags`).

Sources (checked 01.12.2026):
- Model 1.1 (June 2020, levels 0–4): BMI, "Reifegradmodell", digitale-verwaltung.de
  (https://www.digitale-verwaltung.de/Webs/DV/DE/onlinezugangsgesetz/ozg-grundlagen/info-reifegradmodell/
  info-reifegradmodell-node.html) and its short table as published by the Land Brandenburg
  (https://ozg.brandenburg.de/ozg/de/service/aktuelle-meldungen/detail/~31-05-2023-schon-gewusst-das-reifegradmodell-nach-dem-ozg):
  0 Offline, 1 Information, 2 Formular-Assistent, 3 Online-Leistung (Antrag einschließlich aller Nachweise
  online), 4 Online-Transaktion (vollständig digital, Once-Only für Nachweise).
- Model 2.0 (July 2025, levels 0–7): Land Sachsen-Anhalt, "Reifegradmodell", Stand 02-2026
  (https://ozg.sachsen-anhalt.de/grundlagen/reifegradmodell): 0 "nur offline verfügbar", 7 "vollständig Ende-zu-Ende
  digitalisiert"; levels 0–3 describe the online application service (what the citizen sees), 4–6 the processing
  inside the administration (process orientation, data centricity). The wording of each single level of 2.0 is in
  the model's PDF, which we could not read here: so levels 1–6 of 2.0 are explained by their group, not with a
  per-level sentence we would have to guess.

Both models: an OZG-Leistung counts as "online" from Reifegrad 2 (digitale-verwaltung.de, as above)."""

from django.utils.translation import gettext_lazy as _

MODEL_1_1 = {
    0: _("offline: keine Informationen zur Leistung auf der Website der Behörde"),
    1: _("Information: die Website der Behörde informiert über die Leistung, der Antrag geht nur auf Papier"),
    2: _("Formular-Assistent: Hilfe beim Ausfüllen des Formulars, ein Antrag online ist noch nicht möglich"),
    3: _("Online-Leistung: der Antrag kann einschließlich aller Nachweise online gestellt werden"),
    4: _(
        "Online-Transaktion: die Leistung läuft vollständig digital ab, Nachweise holt die Verwaltung selbst "
        "(Once-Only)"
    ),
}

MODEL_2_0 = {
    0: _("nur offline verfügbar"),
    **{
        level: _("Stufe des Online-Antrags (Stufen 1 bis 3 beschreiben, was Antragstellende online erledigen können)")
        for level in (1, 2, 3)
    },
    **{
        level: _(
            "Online-Antrag und digitale Bearbeitung in der Verwaltung (Stufen 4 bis 6 beschreiben, wie "
            "durchgängig die Verwaltung den Antrag digital bearbeitet)"
        )
        for level in (4, 5, 6)
    },
    7: _("vollständig Ende-zu-Ende digital: vom Antrag bis zum Bescheid"),
}

MODELS = {"1.1": MODEL_1_1, "2.0": MODEL_2_0}
HIGHEST = {"1.1": 4, "2.0": 7}


def explain(level, model) -> str:
    """ "Reifegrad 3 von 4 (Modell 1.1): Online-Leistung: …"; an unknown level or model says so, nothing guessed."""
    if level in (None, ""):
        return str(_("Reifegrad nicht bekannt"))
    words = MODELS.get(str(model or ""), {}).get(int(level))
    if words is None:
        return str(_("Reifegrad %(level)s (Reifegradmodell nicht bekannt)") % {"level": level})
    return str(
        _("Reifegrad %(level)s von %(highest)s (Modell %(model)s): %(words)s")
        % {"level": level, "highest": HIGHEST[str(model)], "model": model, "words": words}
    )
