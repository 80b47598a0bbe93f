"""The sourced websites of the register's bodies: `websites_import(*, path, by, stdout)` reads
`data/gebiete/websites.csv` (one row per body: ARS, name, website, the stored page that states it, its title, the
day it was checked, a remark) and fills `Organisation.website`. The command `import_websites` is its thin door.

Who owns a website: the loader writes every value with the history change reason `WEBSITE_CHANGE_REASON`. A body's
website is the loader's when it is empty, or when the last history row that changed it carries that reason; any
other value was set by staff (admin, API) and is kept, and the run reports it. So a corrected row of the file
replaces the loader's own earlier value, never a staff value.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import Rule

from .destatis import Row, read_rows
from .models import Organisation

#: Loading the sourced websites (the command acts as the system actor).
WEBSITES_IMPORT = Rule(action=_lazy("Websites der Stellen importieren"), perms=("organisations.change_organisation",))

WEBSITES_FILE = "websites.csv"
WEBSITES_COLUMNS = ("ars", "name", "website", "quelle_url", "quelle_titel", "geprueft_am", "anmerkung")
#: The history change reason of every website the loader writes; it marks the value as the loader's.
WEBSITE_CHANGE_REASON = "import_websites"

_url = URLValidator(schemes=["http", "https"])
_https_url = URLValidator(schemes=["https"])


@dataclass
class WebsiteRow:
    row: Row
    ars: str
    website: str


@dataclass
class WebsitesImportResult:
    set: int = 0
    replaced: int = 0
    unchanged: int = 0
    kept: list[tuple[Organisation, str]] = field(default_factory=list)  # (body, the file's value) not applied

    def lines(self) -> list[str]:
        lines = [
            _("Websites: %(set)d gesetzt, %(replaced)d ersetzt (Wert des Imports), %(unchanged)d unverändert, ")
            % {"set": self.set, "replaced": self.replaced, "unchanged": self.unchanged}
            + _("%(kept)d von der Redaktion gepflegt und behalten") % {"kept": len(self.kept)}
        ]
        for org, website in self.kept:
            lines.append(
                _("  behalten: %(name)s (%(ars)s) hat %(current)s, die Datei nennt %(website)s")
                % {"name": org.name, "ars": org.ars, "current": org.website, "website": website}
            )
        return lines


def _check_url(row: Row, column: str, validator: URLValidator, message: str) -> str:
    value = row.text(column)
    try:
        validator(value)
    except ValidationError:
        raise row.error(column, message % {"value": value}) from None
    return value


def read_website_rows(path: Path) -> list[WebsiteRow]:
    """All rows of `websites.csv`, each checked on its own (keys, URLs, date, a source) and against the register
    (the ARS exists, the name is the register's). Raises RegisterImportError naming file, line and column."""
    rows = read_rows(path, WEBSITES_COLUMNS)
    keys = [row.key("ars", 12) for row in rows]
    register = {org.ars: org for org in Organisation.objects.filter(ars__in=keys).only("ars", "name")}
    seen: set[str] = set()
    result = []
    for row, ars in zip(rows, keys, strict=True):
        org = register.get(ars)
        if org is None:
            raise row.error("ars", _("Regionalschlüssel „%(ars)s“ steht nicht im Register.") % {"ars": ars})
        if ars in seen:
            raise row.error("ars", _("Schlüssel „%(key)s“ kommt doppelt vor.") % {"key": ars})
        seen.add(ars)
        name = row.text("name")
        if name != org.name:
            raise row.error(
                "name",
                _("„%(name)s“ passt nicht zum Register (dort „%(register)s“).")
                % {
                    "name": name,
                    "register": org.name,
                },
            )
        website = _check_url(row, "website", _https_url, _("„%(value)s“ ist keine https-Adresse (erwartet https://…)."))
        _check_url(row, "quelle_url", _url, _("„%(value)s“ ist keine Adresse einer Quelle (http:// oder https://)."))
        row.text("quelle_titel")
        row.date("geprueft_am")
        result.append(WebsiteRow(row=row, ars=ars, website=website))
    return result


def _loader_owned(orgs: list[Organisation]) -> set[int]:
    """Ids of the bodies whose current website the loader wrote: the last history row that changed the website
    (against the row before it) carries WEBSITE_CHANGE_REASON. One query."""
    owner: dict[int, str | None] = {}
    previous: dict[int, str] = {}
    history = (
        Organisation.history.filter(id__in=[org.pk for org in orgs])
        .order_by("id", "history_date", "history_id")
        .values_list("id", "website", "history_change_reason")
    )
    for org_id, website, reason in history:
        if website != previous.get(org_id, ""):
            owner[org_id] = reason
        previous[org_id] = website
    return {org_id for org_id, reason in owner.items() if reason == WEBSITE_CHANGE_REASON}


def websites_import(*, path: Path, by, stdout: TextIO | None = None) -> WebsitesImportResult:
    """Fills `website` of the bodies in `path` (a websites.csv) where it is empty or the loader's own value.

    - Checked first: every row is read and checked before the first write; a bad row raises RegisterImportError
      naming file, line and column, and nothing is changed.
    - Idempotent: a body that already has the file's value is not written (no history row); a second run changes
      nothing.
    - Staff values stay: see the module docstring; they are counted and listed as kept.
    """
    WEBSITES_IMPORT.require(by)
    rows = read_website_rows(Path(path))
    result = WebsitesImportResult()
    with transaction.atomic():
        orgs = {org.ars: org for org in Organisation.objects.filter(ars__in=[r.ars for r in rows])}
        owned = _loader_owned([org for org in orgs.values() if org.website])
        for entry in rows:
            org = orgs[entry.ars]
            if org.website == entry.website:
                result.unchanged += 1
                continue
            if org.website and org.pk not in owned:
                result.kept.append((org, entry.website))
                continue
            if org.website:
                result.replaced += 1
            else:
                result.set += 1
            org.website = entry.website
            org._change_reason = WEBSITE_CHANGE_REASON  # simple_history stores it with the history row
            org.save(update_fields=["website", "updated_at"])
    if stdout is not None:
        for line in result.lines():
            stdout.write(line + "\n")
    return result
