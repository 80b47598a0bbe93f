"""System checks of the deployment, run by `manage.py check --deploy` (the migrate job runs it too).

The legal pages take every fact about the operator from settings and invent none (templates/legal/); in
production each must be set, or the pages would show placeholders.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Setting → what it is (German, as the operator reads it). PORTAL_VAT_ID is optional: not every operator has one.
OPERATOR_FACTS = {
    "PORTAL_OPERATOR_ADDRESS": "Anschrift des Betreibers (Impressum, Datenschutz, Barrierefreiheit)",
    "PORTAL_OPERATOR_REPRESENTATIVE": "vertretungsberechtigte Person(en) mit Funktion (Impressum)",
    "PORTAL_OPERATOR_BOARD_CHAIR": "Vorsitz des Verwaltungsrats (Impressum)",
    "PORTAL_SUPERVISORY_AUTHORITY": "Aufsichtsbehörde mit Anschrift (Impressum)",
    "PORTAL_CONTACT_EMAIL": "Kontakt-E-Mail-Adresse (Impressum, Datenschutz, Barrierefreiheit)",
    "PORTAL_CONTACT_PHONE": "Telefonnummer (Impressum, Barrierefreiheit)",
    "PORTAL_CONTENT_RESPONSIBLE": "Verantwortliche Person nach § 18 Abs. 2 MStV (Impressum)",
    "PORTAL_DATA_PROTECTION_OFFICER": "Name und Kontakt der oder des Datenschutzbeauftragten (Datenschutz)",
    "PORTAL_LOG_RETENTION": "Speicherdauer der Server-Protokolle, z. B. „7 Tagen“ (Datenschutz)",
    "PORTAL_HOSTING_PROVIDER": "Rechenzentrum bzw. Auftragsverarbeiter nach Art. 28 DSGVO (Datenschutz)",
}


@register(Tags.security, deploy=True)
def check_operator_facts(app_configs=None, **kwargs):
    errors = []
    for name, meaning in OPERATOR_FACTS.items():
        if not str(getattr(settings, name, "") or "").strip():
            errors.append(
                Error(
                    f"{name} ist nicht gesetzt: {meaning}. Die Rechtstexte zeigen sonst einen Platzhalter.",
                    hint=f"Die Umgebungsvariable {name} setzen (docs/BETRIEB.md, „Rechtstexte“).",
                    id="itvsh.E001",
                )
            )
    return errors


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Web and Celery workers are stateless: cache versions, cached pages and throttle counters must be shared by
    every process. The process's own memory (the embedded default) is not, so a change saved through one worker
    would stay invisible on the pages of the others."""
    backend = settings.CACHES["default"]["BACKEND"].lower()
    if "locmem" not in backend and "dummy" not in backend:
        return []
    return [
        Warning(
            "Der Cache ist der Speicher des Prozesses: Mit mehr als einem Worker sehen die anderen eine Änderung "
            "nicht, und jede Drosselung zählt je Prozess.",
            hint="REDIS_URL oder CACHE_URL setzen (docs/BETRIEB.md, „Skalierung“).",
            id="itvsh.W001",
        )
    ]
