"""The portal's own catalogue of German error messages for API answers (and the fuzz tests that check them).

Every error body under /api/ takes its text from here: our services' and views' messages, and the German text
for each DRF/Django error code that can reach a client, so that no English default and no exception text ever
reaches a client. `message(code, **params)` formats one; `CATALOGUE` is what the tests match answers against.

How it is enforced:

- `install()` (called by the portal's AppConfig before any other app is ready) makes the catalogue texts the
  default error messages of DRF's serializer fields, of Django's form and model fields and of Django's validators,
  so that a field error comes out German and with its parameters ("Höchstens 120 Zeichen.") in any language.
- The API's exception handler (`common.api.exception_handler`) checks every message of an error
  answer with `is_catalogued`; one that is not (an English default of a code nobody mapped, the text of an
  exception) is replaced by the text for its code (`CODE_MESSAGES`, else "Ungültiger Wert.") and logged as a
  warning on the logger `common.messages` – the fuzz test fails on such a warning.

Templates use `%(name)s` placeholders; DRF's `{name}` style is derived from them where DRF formats them.
"""

import logging
import re
from functools import lru_cache

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

#: code -> German template (%(name)s placeholders).
CATALOGUE: dict[str, str] = {
    # --- requests as a whole ------------------------------------------------------------------------------------
    "not_found": _("Nicht gefunden."),
    "bad_request": _("Ungültige Anfrage."),
    "server_error": _("Interner Fehler. Der Fehler wurde protokolliert."),
    "permission_denied": _("Keine Berechtigung."),
    "not_authenticated": _("Anmeldedaten fehlen."),
    "authentication_failed": _("Anmeldung fehlgeschlagen: die Zugangsdaten sind ungültig."),
    "method_not_allowed": _("Die Methode „%(method)s“ ist hier nicht erlaubt."),
    "method_not_allowed_any": _("Diese Methode ist hier nicht erlaubt."),
    "not_acceptable": _("Das verlangte Antwortformat wird nicht angeboten."),
    "unsupported_media_type": _("Das Format des Inhalts („%(media_type)s“) wird nicht unterstützt."),
    "unsupported_media_type_any": _("Das Format des Inhalts wird nicht unterstützt."),
    "throttled": _("Zu viele Anfragen (gedrosselt); bitte in %(wait)s Sekunden erneut versuchen."),
    "throttled_any": _("Zu viele Anfragen (gedrosselt); bitte später erneut versuchen."),
    "auth_failures": _(
        "Zu viele fehlgeschlagene Anmeldungen mit Token von dieser Adresse (gedrosselt); bitte in %(wait)s Sekunden "
        "erneut versuchen."
    ),
    "auth_failures_any": _("Zu viele fehlgeschlagene Anmeldungen mit Token von dieser Adresse (gedrosselt)."),
    "request_too_large": _("Die Anfrage ist zu groß (%(size)d Bytes); erlaubt sind höchstens %(limit)d Bytes."),
    "page_not_found": _("Diese Seite gibt es nicht."),
    "database_value": _("Ein Wert der Anfrage passt nicht in die Datenbank (zu groß, zu lang oder ungültig)."),
    # --- the request body ---------------------------------------------------------------------------------------
    "parse_error": _("Der Inhalt der Anfrage ist nicht lesbar."),
    "json_invalid": _("Der Inhalt ist kein gültiges JSON (Zeile %(line)s, Spalte %(column)s)."),
    "json_encoding": _("Der Inhalt ist nicht UTF-8-kodiert."),
    "json_too_deep": _("Der Inhalt ist zu tief verschachtelt (höchstens %(limit)s Ebenen)."),
    "json_number_too_long": _("Die Zahl ist zu lang (höchstens %(limit)s Zeichen)."),
    "json_number_not_finite": _("Die Zahl ist zu groß."),
    "json_constant": _("NaN und Infinity sind in JSON nicht erlaubt."),
    "object_expected": _("Ein Objekt ({…}) wird erwartet."),
    "list_expected": _("Eine Liste wird erwartet."),
    "list_empty": _("Die Liste darf nicht leer sein."),
    "list_max_length": _("Höchstens %(max_length)s Einträge."),
    "list_min_length": _("Mindestens %(min_length)s Einträge."),
    "unknown_field": _("Unbekanntes Feld."),
    # --- values: text ------------------------------------------------------------------------------------------
    "control_characters": _("Der Wert enthält ein Steuerzeichen (z. B. ein NUL-Byte); das ist nicht erlaubt."),
    "required": _("Dieses Feld ist erforderlich."),
    "null": _("Dieses Feld darf nicht leer (null) sein."),
    "blank": _("Dieses Feld darf nicht leer sein."),
    "text_expected": _("Ein Text wird erwartet."),
    "max_length": _("Höchstens %(max_length)s Zeichen."),
    "min_length": _("Mindestens %(min_length)s Zeichen."),
    "max_length_django": _("Höchstens %(limit_value)s Zeichen (es sind %(show_value)s)."),
    "min_length_django": _("Mindestens %(limit_value)s Zeichen (es sind %(show_value)s)."),
    "invalid": _("Ungültiger Wert."),
    "invalid_choice": _("Dieser Wert ist nicht erlaubt."),
    "invalid_choice_value": _("„%(value)s“ ist nicht erlaubt."),
    "invalid_list": _("Eine Liste von Werten wird erwartet."),
    "url": _("Eine gültige Adresse (URL, https://…) wird erwartet."),
    "email": _("Eine gültige E-Mail-Adresse wird erwartet."),
    "slug": _("Nur Buchstaben, Ziffern, Binde- und Unterstriche sind erlaubt."),
    "regex": _("Der Wert hat nicht das erwartete Format."),
    "unique": _("Ein Eintrag mit diesem Wert existiert bereits."),
    "unique_together": _("Ein Eintrag mit diesen Werten existiert bereits."),
    "constraint": _("Die Werte verletzen eine Regel der Daten („%(name)s“)."),
    # --- values: numbers, booleans, dates -----------------------------------------------------------------------
    "integer": _("Eine ganze Zahl (nur Ziffern 0–9) wird erwartet."),
    "integer_min": _("Die Zahl muss mindestens %(min)s sein."),
    "integer_max": _("Die Zahl darf höchstens %(max)s sein."),
    "number": _("Eine Zahl wird erwartet."),
    "max_value": _("Höchstens %(max_value)s."),
    "min_value": _("Mindestens %(min_value)s."),
    "max_value_django": _("Höchstens %(limit_value)s."),
    "min_value_django": _("Mindestens %(limit_value)s."),
    "number_too_long": _("Die Zahl hat zu viele Stellen."),
    "max_digits": _("Höchstens %(max_digits)s Stellen insgesamt."),
    "max_decimal_places": _("Höchstens %(max_decimal_places)s Nachkommastellen."),
    "max_whole_digits": _("Höchstens %(max_whole_digits)s Stellen vor dem Komma."),
    "max_digits_django": _("Höchstens %(max)s Stellen insgesamt."),
    "max_decimal_places_django": _("Höchstens %(max)s Nachkommastellen."),
    "max_whole_digits_django": _("Höchstens %(max)s Stellen vor dem Komma."),
    "boolean": _("Erwartet wird true oder false."),
    "date": _("Ein Datum im Format JJJJ-MM-TT wird erwartet."),
    "date_not_datetime": _("Ein Datum (JJJJ-MM-TT) ohne Uhrzeit wird erwartet."),
    "datetime": _("Datum und Uhrzeit nach ISO 8601 werden erwartet, z. B. 2025-01-31T12:00:00+01:00."),
    "datetime_not_date": _("Datum und Uhrzeit werden erwartet, nicht nur ein Datum."),
    "date_range": _("Das Datum muss zwischen dem %(min)s und dem %(max)s liegen."),
    "date_future": _("Das Datum darf nicht in der Zukunft liegen (spätestens %(max)s)."),
    # --- references ---------------------------------------------------------------------------------------------
    "related_not_found": _("Diesen Eintrag gibt es nicht."),
    "related_type": _("Erwartet wird die Kennung (Nummer) eines Eintrags."),
    "related_slug": _("Erwartet wird die Kennung eines Eintrags."),
    "page_invalid": _("Diese Seite gibt es nicht."),
}

# --- the domain: what our services, views and filters answer -------------------------------------------------
CATALOGUE.update(
    {
        # register; its keys (organisations/keys.py) have one message each, whichever app they came through
        "organisations.ars_format": _("Ein Regionalschlüssel (ARS) hat genau 12 Ziffern und beginnt mit 01."),
        "organisations.ags_format": _("Ein Gemeindeschlüssel (AGS) hat genau 8 Ziffern und beginnt mit 01."),
        "organisations.ars_prefix_format": _(
            "Ein Schlüsselpräfix hat 2 bis 12 Ziffern und beginnt mit 01, z. B. 01058 (Kreis) oder 010585890 (Amt)."
        ),
        "organisations.parent_format": _(
            "Geben Sie den Regionalschlüssel (12 Ziffern) oder die Nummer der übergeordneten Stelle an."
        ),
        "organisations.query_empty": _("Bitte geben Sie einen Namen, eine Postleitzahl oder einen Schlüssel ein."),
        "organisations.query_too_long": _("Die Suche ist zu lang (höchstens %(n)d Zeichen)."),
        "organisations.query_digits": _("„%(q)s“ hat %(n)d Ziffern; ein Regionalschlüssel (ARS) hat 12."),
        "organisations.query_no_key": _(
            "„%(q)s“ ist weder eine fünfstellige Postleitzahl noch ein Schlüssel aus "
            "Schleswig-Holstein (ARS oder AGS beginnen mit 01)."
        ),
        "organisations.query_too_short": _("Bitte geben Sie mindestens zwei Buchstaben ein."),
        "organisations.not_an_ars": _("„%(key)s“ ist kein Regionalschlüssel: 12 Ziffern, beginnend mit 01."),
        "organisations.malformed_key": _("„%(key)s“ ist keine gültige Kennung."),
        "organisations.unknown_key": _("Keine Stelle mit dem Schlüssel „%(key)s“."),
        # OZG monitoring
        "ozg.choices": _("Erlaubt sind: %(values)s."),
        "ozg.maturity_models": _("Erlaubt sind 1.1 und 2.0."),
        "ozg.provider_key": _("Erwartet wird der Regionalschlüssel (12 Ziffern) oder die Nummer einer Stelle."),
        "ozg.unknown_provider": _("Unbekannte Stelle „%(key)s“."),
        "ozg.unknown_ozg_id": _("Unbekannte OZG-ID „%(id)s“."),
        "ozg.unknown_ars": _("Unbekannter Regionalschlüssel „%(ars)s“."),
        "ozg.verwaltung_forbidden": _("Für diese Verwaltung dürfen Sie nichts ändern."),
        "ozg.duplicate_item": _("Dieselbe Leistung und Verwaltung kommt doppelt vor."),
        "ozg.stale_item": _("Veraltete Version %(expected)s, aktuell ist %(current)s."),
        "ozg.concurrent_change": _("Der Umsetzungsstand wurde gleichzeitig geändert; bitte erneut senden."),
        "precondition_required": _(
            "Bitte die aktuelle Version mitsenden (Feld „version“ oder Kopfzeile If-Match), damit keine Änderung "
            "verloren geht."
        ),
        "ozg.stale": _("Der Umsetzungsstand wurde inzwischen geändert; aktuelle Version: %(v)s. Bitte neu laden."),
        "ozg.stale_version": _(
            "Der Umsetzungsstand wurde inzwischen geändert (aktuelle Version %(current)s, erwartet %(expected)s)."
        ),
        "ozg.bulk_limit": _("Höchstens %(n)d Einträge je Aufruf."),
        "ozg.bulk_failed": _("%(n)d von den Einträgen sind fehlerhaft; nichts wurde geändert."),
        "ozg.step_back_needs_note": _(
            "Ein Rückschritt im Umsetzungsstand (von „%(old)s“ nach „%(new)s“) braucht eine Anmerkung."
        ),
        "ozg.not_a_verwaltung": _(
            "Umsetzungsstände gibt es nur für Verwaltungen (Kreis, kreisfreie Stadt, Amt, "
            "amtsfreie Gemeinde) und das Land."
        ),
        "ozg.unknown_maturity_model": _("Unbekanntes Reifegradmodell."),
        "ozg.maturity_level_range": _("Im Reifegradmodell %(model)s liegt der Reifegrad zwischen 0 und %(max)d."),
        "ozg.online_needs_url": _("Ab „online verfügbar“ ist die Adresse des Dienstes Pflicht."),
        "ozg.online_needs_level": _("„Online verfügbar“ setzt mindestens Reifegrad 2 voraus."),
        "ozg.go_live_future": _("Der tatsächliche Start darf nicht in der Zukunft liegen."),
        "ozg.provider_twice": _("Bitte den Anbieter entweder als Stelle oder als Freitext angeben, nicht beides."),
        "ozg.unknown_gemeinde": _("Keine Gemeinde mit diesem Regionalschlüssel."),
        "ozg.unknown_verwaltung": _("Keine Verwaltung mit diesem Regionalschlüssel."),
        "ozg.export_ozg_id_gone": _(
            "Das Format des Bundes kennt keinen Filter nach OZG-ID; bitte /api/v1/bund/v1/data/<ARS>/ verwenden."
        ),
        # the reconciliation with the federal dashboard (federal/)
        "federal.no_record_set": _("Noch kein abgeschlossener Abruf des Bundes-Dashboards: es gibt keinen Abgleich."),
        "federal.pair_unknown": _("Verwaltung %(ars)s und OZG-Leistung %(id)s kommen im Abgleich nicht vor."),
        "federal.pairs_invalid": _("%(n)d der Einträge kommen im Abgleich nicht vor; nichts wurde geändert."),
        "federal.note_required": _("Bitte die Erklärung der Abweichung angeben."),
        "federal.note_too_long": _("Die Erklärung hat höchstens %(n)d Zeichen."),
        "federal.file_empty": _("Die Datei des Bundes-Dashboards fehlt (leerer Inhalt)."),
        "federal.file_too_large": _("Die Datei ist größer als %(mb)d MB."),
        "federal.file_unusable": _("Die Datei des Bundes-Dashboards ist unbrauchbar: %(reason)s"),
        "federal.kreis_key": _("Ein Kreisschlüssel hat 5 Ziffern und beginnt mit 01, z. B. 01054."),
        # CSV files (uploads, imports)
        "csv.line": _("Zeile %(line)s: %(message)s"),
        "csv.utf16": _("Die Datei ist UTF-16-kodiert; bitte als UTF-8 (CSV UTF-8) speichern."),
        "csv.nul": _("Die Zeile enthält ein NUL-Zeichen (Binärdatei statt CSV?)."),
        "csv.encoding": _(
            "Die Datei ist nicht UTF-8-kodiert (Byte 0x%(byte)02x); bitte als UTF-8 (CSV UTF-8) speichern."
        ),
        "csv.field_too_long": _("Ein Feld ist länger als %(n)s Zeichen."),
        "csv.invalid": _("Die Zeile ist kein gültiges CSV."),
        "csv.field_count": _("Zeile hat %(found)d statt %(expected)d Felder."),
        "csv.columns_missing": _("Spalte(n) fehlen: %(columns)s."),
        "csv.no_rows": _("Die Datei enthält keine Datenzeilen."),
        # accounts, permissions (tokens, rules, the API policy)
        "accounts.token_missing_key": _("Token ungültig: im Authorization-Header fehlt der Schlüssel."),
        "accounts.token_spaces": _("Token ungültig: der Schlüssel darf keine Leerzeichen enthalten."),
        "accounts.token_characters": _("Token ungültig: der Schlüssel enthält unzulässige Zeichen."),
        "accounts.token_invalid": _("Token ungültig."),
        "accounts.token_revoked": _("Token widerrufen."),
        "accounts.token_expired": _("Token abgelaufen."),
        "accounts.token_user_inactive": _("Token ungültig: das Benutzerkonto ist deaktiviert."),
        "accounts.no_reporting_verwaltung": _("Ihr Konto ist an keine Verwaltung mit der Rolle „meldend“ gebunden."),
        "accounts.foreign_verwaltung": _(
            "Sie dürfen nur für die Verwaltungen schreiben, an die Ihr Konto gebunden ist."
        ),
        "rules.not_acting": _("Keine Berechtigung: %(action)s (nicht angemeldet oder Konto deaktiviert)."),
        "rules.denied": _("Keine Berechtigung: %(action)s."),
        "api.token_read_only": _(
            "Dieses Token darf nur lesen; zum Schreiben braucht es die Berechtigung „lesen und schreiben“."
        ),
        "api.no_rule": _("Diese Schreiboperation ist nicht freigegeben."),
        "api.unknown_ordering": _("Unbekannte Sortierung „%(term)s“; erlaubt: %(allowed)s."),
        "api.not_signed_in": _("Zum Schreiben ist eine Anmeldung nötig (API-Token oder Sitzung)."),
        # cooperations: agreements and measures
        "cooperations.effective_before_signed": _("„Wirksam ab“ darf nicht vor dem Unterzeichnungsdatum liegen."),
        "cooperations.in_force_unsigned": _("Eine Vereinbarung kann ohne Unterzeichnungsdatum nicht „in Kraft“ sein."),
        "cooperations.end_date_missing": _("Bei festem Enddatum ist „endet am“ anzugeben."),
        "cooperations.years_missing": _("Bei einer Laufzeit in Jahren ist die Zahl der Jahre anzugeben."),
        "cooperations.wahlperiode_missing": _("Bei einer Laufzeit bis zum Ende der Wahlperiode ist diese anzugeben."),
        "cooperations.end_before_start": _("Das Ende der Laufzeit muss nach ihrem Beginn liegen."),
        "cooperations.start_outside_wahlperiode": _("Der Beginn der Laufzeit liegt nicht in dieser Wahlperiode."),
        "cooperations.own_predecessor": _("Eine Vereinbarung kann nicht ihr eigener Vorgänger sein."),
        "cooperations.two_parties": _("Eine unterzeichnete Vereinbarung hat mindestens zwei Parteien."),
        "cooperations.expired_derived": _(
            "„ausgelaufen“ abgeleitet: das Ende der Laufzeit (%(day)s) ist überschritten; eine Verlängerung ist "
            "nicht erfasst."
        ),
        "cooperations.derived_invalid": _(
            "Abgeleitete Angaben: erlaubt sind die Felder %(fields)s, je mit einer Begründung (höchstens 1000 Zeichen)."
        ),
        "cooperations.progress_range": _("Der Fortschritt liegt zwischen 0 und 100 Prozent."),
        "cooperations.weight_min": _("Das Gewicht ist mindestens 1."),
        "cooperations.measure_end_before_start": _("Das Ende der Maßnahme darf nicht vor ihrem Beginn liegen."),
        "cooperations.measure_outside_term": _(
            "Das Datum liegt außerhalb der Laufzeit der Vereinbarung; nur Folgemaßnahmen dürfen das."
        ),
        "cooperations.measure_outside_new_term": _("Die Maßnahme „%(title)s“ läge außerhalb der neuen Laufzeit."),
        "cooperations.obligor_not_party": _("Die verpflichtete Stelle ist keine Partei der Vereinbarung."),
        "cooperations.wahlperiode_end": _("Das Ende der Wahlperiode muss nach ihrem Beginn liegen."),
        "cooperations.amendment_before_date": _("Eine Änderung kann nicht vor ihrem Datum wirksam werden."),
        "cooperations.unknown_agreement": _("Diese Vereinbarung gibt es nicht."),
        "cooperations.lead_not_party": _("Die federführende Stelle ist keine Partei der Vereinbarung."),
        "cooperations.participants_not_party": _(
            "Beteiligt sein können nur Parteien der Vereinbarung; keine Partei: %(names)s."
        ),
        "cooperations.file_reselect": _(
            "Die gewählte Datei wurde nicht gespeichert, weil das Formular Fehler enthält. Bitte die Datei erneut "
            "auswählen."
        ),
        "cooperations.has_successor": _("Diese Vereinbarung hat bereits eine Nachfolgerin: „%(title)s“."),
        "cooperations.replaced_derived": _("Ersetzt durch „%(title)s“, wirksam ab %(day)s."),
        # funding
        "funding.withdraw_denied": _("Keine Berechtigung: Mittelabruf zurückziehen."),
        "funding.amount": _("Bitte einen Betrag in Euro angeben, z. B. 1234,56."),
        "funding.amount_cents": _("Beträge haben höchstens zwei Nachkommastellen (Cent)."),
        "funding.amount_positive": _("Der Betrag muss größer als 0 € sein."),
        "funding.exceeds_available": _("Abruf übersteigt den verfügbaren Betrag von %(available)s."),
        "funding.payments_not_recorded": _(
            "Für diese Haushaltsposition werden keine Zahlungen erfasst. Bitte zuerst „Zahlungen werden erfasst“ "
            "einschalten."
        ),
        "funding.line_not_open": _(
            "Die Haushaltsposition ist „%(status)s“; Abrufe sind nur bei zugesagten Positionen möglich."
        ),
        "funding.invalid_transition": _("Ein Mittelabruf im Status „%(current)s“ kann nicht %(target)s werden."),
        "funding.four_eyes": _("Vier-Augen-Prinzip: Wer einen Mittelabruf beantragt hat, darf ihn nicht %(role)s."),
        "funding.planned_below_committed": _(
            "Der Planbetrag darf nicht unter den freigegebenen und ausgezahlten Betrag von %(committed)s sinken."
        ),
        "funding.purpose_missing": _("Bitte den Verwendungszweck angeben."),
        "funding.paid_on_missing": _("Bitte das Auszahlungsdatum angeben."),
        "funding.paid_on_future": _("Das Auszahlungsdatum darf nicht in der Zukunft liegen."),
        "funding.reference_missing": _("Bitte die Zahlungsreferenz angeben."),
        "funding.paid_before_request": _("Die Auszahlung kann nicht vor dem Antrag liegen."),
        "funding.reject_reason": _("Bitte eine Begründung für die Ablehnung angeben."),
        "funding.withdraw_reason": _("Bitte eine Begründung für den Rückzug angeben."),
        "funding.wording_missing": _("Bei einem ungefähren Betrag den Wortlaut der Quelle angeben."),
        "funding.year_not_stated": _("Ohne Haushaltsjahr kann das Jahr nicht genannt sein."),
        "funding.transitions_immutable": _("Statuswechsel sind unveränderlich."),
        "funding.secondment_people": _("Eine Abordnung braucht die Anzahl der Personen."),
        "funding.no_report": _("Für dieses Jahr gibt es noch keinen Jahresbericht."),
        # funding
        "funding.year": _("Haushaltsjahr als vierstellige Zahl angeben oder „ohne“."),
        "funding.unknown_agreement": _("Unbekannte Vereinbarung „%(slug)s“."),
    }
)
#: Templates whose `%(message)s` is itself a catalogue text (a prefix such as the line of a CSV file).
WRAPPERS = ("csv.line",)

#: DRF's and Django's error codes -> catalogue code (the text for a code whose parameters are not known).
CODE_MESSAGES: dict[str, str] = {
    "invalid": "invalid",
    "required": "required",
    "null": "null",
    "blank": "blank",
    "max_length": "max_length_any",
    "min_length": "min_length_any",
    "max_value": "max_value_any",
    "min_value": "min_value_any",
    "max_string_length": "number_too_long",
    "max_digits": "number_too_long",
    "max_decimal_places": "max_decimal_places_any",
    "max_whole_digits": "number_too_long",
    "overflow": "number_too_long",
    "invalid_choice": "invalid_choice",
    "invalid_list": "invalid_list",
    "invalid_pk_value": "related_type",
    "not_a_list": "list_expected",
    "not_a_dict": "object_expected",
    "empty": "list_empty",
    "does_not_exist": "related_not_found",
    "incorrect_type": "related_type",
    "no_match": "related_not_found",
    "incorrect_match": "related_not_found",
    "date": "date",
    "datetime": "datetime",
    "make_aware": "datetime",
    "unique": "unique",
    "unique_together": "unique_together",
    "null_characters_not_allowed": "control_characters",
    "surrogate_characters_not_allowed": "control_characters",
    "control_characters": "control_characters",
    "integer": "integer",
    "parse_error": "parse_error",
    "not_found": "not_found",
    "permission_denied": "permission_denied",
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "method_not_allowed": "method_not_allowed_any",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type_any",
    "throttled": "throttled_any",
    "auth_failures": "auth_failures_any",
}
CATALOGUE.update(
    {
        "max_length_any": _("Der Wert ist zu lang."),
        "min_length_any": _("Der Wert ist zu kurz."),
        "max_value_any": _("Die Zahl ist zu groß."),
        "min_value_any": _("Die Zahl ist zu klein."),
        "max_decimal_places_any": _("Zu viele Nachkommastellen."),
    }
)


def message(code: str, **params) -> str:
    """The catalogue's text for `code`, formatted with `params`."""
    template = str(CATALOGUE[code])
    return template % params if params else template


def lazy_message(code: str):
    """The catalogue's text for `code` as a lazy string (for module-level constants, translated when used)."""
    return CATALOGUE[code]


def for_code(code: str | None) -> str:
    """The text for a DRF/Django error code whose own message cannot be used."""
    return message(CODE_MESSAGES.get(code or "", "invalid"))


# --- matching answers against the catalogue ------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdirfx]|%%")


def _pattern(template: str) -> str:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        parts.append("%" if match.group(0) == "%%" else "(.*?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return "".join(parts)


@lru_cache(maxsize=8)
def _matcher(language):
    plain = [template for code, template in CATALOGUE.items() if code not in WRAPPERS]
    wrappers = [
        re.compile(
            _pattern(str(CATALOGUE[code])).replace("(.+?)", "(?P<inner>.+)", 1)
            if "%(message)s" not in str(CATALOGUE[code])
            else _wrapper_pattern(str(CATALOGUE[code])),
            re.DOTALL,
        )
        for code in WRAPPERS
    ]
    return re.compile("|".join(f"(?:{_pattern(str(template))})" for template in plain), re.DOTALL), wrappers


def _wrapper_pattern(template: str) -> str:
    before, after = template.split("%(message)s", 1)
    return _pattern(before) + "(?P<inner>.+)" + _pattern(after)  # noqa: ISC003


def is_catalogued(text) -> bool:
    """Whether `text` is one of the catalogue's templates, formatted (in the active language)."""
    plain, wrappers = _matcher(get_language())
    text = str(text)
    if plain.fullmatch(text):
        return True
    return any((match := wrapper.fullmatch(text)) and plain.fullmatch(match.group("inner")) for wrapper in wrappers)


#: Texts that DRF writes without a translatable default (its serializers' "No data provided") -> catalogue code.
DRF_TEXTS = {"No data provided": "object_expected"}


def checked(text, code: str | None = None, *, where: str = "") -> str:
    """`text` if it comes from the catalogue, else the text for `code` (logged: a message nobody catalogued)."""
    if is_catalogued(text):
        return str(text)
    if str(text) in DRF_TEXTS:
        return message(DRF_TEXTS[str(text)])
    logger.warning("Meldung außerhalb des Katalogs (Code %s, %s): %r", code, where or "-", str(text)[:200])
    return for_code(code)


# --- the catalogue as the defaults of DRF and Django -------------------------------------------------------------


def _drf_style(code: str):
    """The template for DRF, which formats with str.format: `%(name)s` -> `{name}` (braces of the text doubled)."""

    def convert():
        text = str(CATALOGUE[code]).replace("{", "{{").replace("}", "}}")
        return _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else "{" + m.group(1) + "}", text)

    return lazy(convert, str)()


#: DRF field class name -> {error code: catalogue code}; every class's own codes, so that all of them are German.
DRF_FIELDS = {
    "Field": {"required": "required", "null": "null"},
    "BooleanField": {"invalid": "boolean"},
    "CharField": {"invalid": "text_expected", "blank": "blank", "max_length": "max_length", "min_length": "min_length"},
    "EmailField": {"invalid": "email"},
    "RegexField": {"invalid": "regex"},
    "SlugField": {"invalid": "slug", "invalid_unicode": "slug"},
    "URLField": {"invalid": "url"},
    "UUIDField": {"invalid": "invalid"},
    "IPAddressField": {"invalid": "invalid"},
    "IntegerField": {
        "invalid": "integer",
        "max_value": "max_value",
        "min_value": "min_value",
        "max_string_length": "number_too_long",
    },
    "FloatField": {
        "invalid": "number",
        "max_value": "max_value",
        "min_value": "min_value",
        "max_string_length": "number_too_long",
        "overflow": "number_too_long",
    },
    "DecimalField": {
        "invalid": "number",
        "max_value": "max_value",
        "min_value": "min_value",
        "max_digits": "max_digits",
        "max_decimal_places": "max_decimal_places",
        "max_whole_digits": "max_whole_digits",
        "max_string_length": "number_too_long",
    },
    "DateTimeField": {
        "invalid": "datetime",
        "date": "datetime_not_date",
        "make_aware": "datetime",
        "overflow": "datetime",
    },
    "DateField": {"invalid": "date", "datetime": "date_not_datetime"},
    "TimeField": {"invalid": "invalid"},
    "DurationField": {"invalid": "invalid", "max_value": "max_value", "min_value": "min_value", "overflow": "invalid"},
    "ChoiceField": {"invalid_choice": "invalid_choice"},
    "MultipleChoiceField": {"invalid_choice": "invalid_choice", "not_a_list": "list_expected", "empty": "list_empty"},
    "FilePathField": {"invalid_choice": "invalid_choice"},
    "FileField": {
        "required": "required",
        "invalid": "invalid",
        "no_name": "invalid",
        "empty": "blank",
        "max_length": "max_length_any",
    },
    "ListField": {
        "not_a_list": "list_expected",
        "empty": "list_empty",
        "min_length": "list_min_length",
        "max_length": "list_max_length",
    },
    "DictField": {"not_a_dict": "object_expected", "empty": "blank"},
    "HStoreField": {"not_a_dict": "object_expected", "empty": "blank"},
    "JSONField": {"invalid": "invalid"},
    "ManyRelatedField": {"not_a_list": "list_expected", "empty": "list_empty"},
    "PrimaryKeyRelatedField": {
        "required": "required",
        "does_not_exist": "related_not_found",
        "incorrect_type": "related_type",
    },
    "SlugRelatedField": {"does_not_exist": "related_not_found", "invalid": "related_slug"},
    "HyperlinkedRelatedField": {
        "required": "required",
        "no_match": "related_not_found",
        "incorrect_match": "related_not_found",
        "does_not_exist": "related_not_found",
        "incorrect_type": "related_type",
    },
    "Serializer": {"invalid": "object_expected"},
    "ListSerializer": {
        "not_a_list": "list_expected",
        "empty": "list_empty",
        "max_length": "list_max_length",
        "min_length": "list_min_length",
    },
}

#: Django form field class (module path) -> {error code: catalogue code}.
FORM_FIELDS = {
    "django.forms.Field": {"required": "required"},
    "django.forms.CharField": {},
    "django.forms.IntegerField": {"invalid": "integer"},
    "django.forms.FloatField": {"invalid": "number"},
    "django.forms.DecimalField": {"invalid": "number"},
    "django.forms.DateField": {"invalid": "date"},
    "django.forms.DateTimeField": {"invalid": "datetime"},
    "django.forms.TimeField": {"invalid": "invalid"},
    "django.forms.DurationField": {"invalid": "invalid", "overflow": "invalid"},
    "django.forms.ChoiceField": {"invalid_choice": "invalid_choice"},
    "django.forms.TypedChoiceField": {"invalid_choice": "invalid_choice"},
    "django.forms.MultipleChoiceField": {"invalid_choice": "invalid_choice", "invalid_list": "invalid_list"},
    "django.forms.ModelChoiceField": {"invalid_choice": "invalid_choice"},
    "django.forms.ModelMultipleChoiceField": {
        "invalid_list": "invalid_list",
        "invalid_choice": "invalid_choice",
        "invalid_pk_value": "related_type",
    },
    "django.forms.URLField": {"invalid": "url"},
    "django.forms.EmailField": {"invalid": "email"},
    "django.forms.SlugField": {"invalid": "slug"},
    "django.forms.BooleanField": {},
    "django.forms.NullBooleanField": {},
    "django.forms.JSONField": {"invalid": "invalid"},
}

#: Django model field class -> {error code: catalogue code} (model validation in the services: full_clean).
MODEL_FIELDS = {
    "Field": {
        "invalid_choice": "invalid_choice",
        "null": "null",
        "blank": "blank",
        "unique": "unique",
        "unique_for_date": "unique",
    },
    "BooleanField": {"invalid": "boolean", "invalid_nullable": "boolean"},
    "CharField": {},
    "DateField": {"invalid": "date", "invalid_date": "date"},
    "DateTimeField": {"invalid": "datetime", "invalid_date": "datetime", "invalid_datetime": "datetime"},
    "DecimalField": {"invalid": "number"},
    "FloatField": {"invalid": "number"},
    "IntegerField": {"invalid": "integer"},
    "BigIntegerField": {},
    "SmallIntegerField": {},
    "PositiveIntegerField": {},
    "PositiveSmallIntegerField": {},
    "JSONField": {"invalid": "invalid"},
    "UUIDField": {"invalid": "invalid"},
    "DurationField": {"invalid": "invalid"},
    "TimeField": {"invalid": "invalid", "invalid_time": "invalid"},
    "ForeignKey": {"invalid": "related_not_found"},
    "GenericIPAddressField": {},
}

#: Django validators -> catalogue code (their `message` class attribute).
VALIDATORS = {
    "MaxLengthValidator": "max_length_django",
    "MinLengthValidator": "min_length_django",
    "MaxValueValidator": "max_value_django",
    "MinValueValidator": "min_value_django",
    "URLValidator": "url",
    "EmailValidator": "email",
    "RegexValidator": "regex",
    "ProhibitNullCharactersValidator": "control_characters",
    "StepValueValidator": "invalid",
}


def _merge(target: dict, mapping: dict, style) -> None:
    for code, key in mapping.items():
        target[code] = style(key)


_installed = False


def install() -> None:
    """Makes the catalogue the default error messages of DRF, Django's forms, model fields and validators. Runs
    once, from the portal's AppConfig.ready (listed first in INSTALLED_APPS, so that no form is built before)."""
    global _installed
    if _installed:
        return
    _installed = True
    from importlib import import_module

    from django.apps import apps
    from django.core import validators
    from django.db import models
    from rest_framework import fields, relations, serializers

    for name, mapping in DRF_FIELDS.items():
        cls = getattr(fields, name, None) or getattr(relations, name, None) or getattr(serializers, name)
        defaults = dict(cls.__dict__.get("default_error_messages", {}))
        _merge(defaults, mapping, _drf_style)
        cls.default_error_messages = defaults

    for path, mapping in FORM_FIELDS.items():
        module, name = path.rsplit(".", 1)
        cls = getattr(import_module(module), name)
        defaults = dict(cls.__dict__.get("default_error_messages", {}))
        _merge(defaults, mapping, lambda key: CATALOGUE[key])
        cls.default_error_messages = defaults

    for name, key in VALIDATORS.items():
        getattr(validators, name).message = CATALOGUE[key]
    validators.DecimalValidator.messages = {
        "invalid": CATALOGUE["number"],
        "max_digits": CATALOGUE["max_digits_django"],
        "max_decimal_places": CATALOGUE["max_decimal_places_django"],
        "max_whole_digits": CATALOGUE["max_whole_digits_django"],
    }
    validators.validate_slug.message = CATALOGUE["slug"]
    validators.validate_unicode_slug.message = CATALOGUE["slug"]
    validators.validate_integer.message = CATALOGUE["integer"]

    # Model fields are built when their models are imported (before any AppConfig.ready): the class defaults for
    # later ones, and every existing field's messages that are still the old defaults.
    old_defaults = {}  # id of an old default text -> catalogue code
    for name, mapping in MODEL_FIELDS.items():
        cls = getattr(models, name)
        own = dict(cls.__dict__.get("default_error_messages", {}))
        for code, key in mapping.items():
            if code in own:
                old_defaults[id(own[code])] = key
        _merge(own, mapping, lambda key: CATALOGUE[key])
        cls.default_error_messages = own
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            current = getattr(field, "error_messages", None)
            if isinstance(current, dict):
                for code, text in list(current.items()):
                    if id(text) in old_defaults:
                        current[code] = CATALOGUE[old_defaults[id(text)]]
