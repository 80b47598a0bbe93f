"""Where a change came from: the one vocabulary of the portal, defined here and nowhere else.

Three words for three readers, each derived from the one before:

- `Door`: through which door a write came in (admin, API session, API token, command, Celery task, shell, web
  page). The audit trail (`audit.context`) resolves it for every unit of work; staff read it in the audit log.
- `Channel`: the OZG history's coarser "Weg" of a status change (admin, API, import, demo, system), stored on each
  `StatusEvent` and offered as a filter. It is never named by a caller: `channel_for()` derives it from the door
  (and from the source kind an importer declares).
- `SourceKind`: where a fact comes from, as public pages and downloads name it (Beispieldaten, ITV.SH-Redaktion,
  Kommune, Datei-Import, Bundes-Dashboard, Gründungsdokument). Stored with the fact (on a status and on each of its
  history entries) at the moment it is written, so that a public page never reads user rights to name it.
  `source_kind_for()` is the one mapping from the actor to it.

Importers, loaders and the demo say what they are with `audit.context.acting_as(source=SourceKind.…)`; everything
else is derived from the door and the acting user.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Door(models.TextChoices):
    """The audit trail's doors (`audit.context` resolves them; `AuditEntry.door`)."""

    ADMIN = "admin", _("Verwaltungsoberfläche")
    API = "api", _("API (Sitzung)")
    API_TOKEN = "api_token", _("API-Token")
    IMPORT = "import", _("Import/Verwaltungsbefehl")
    CELERY = "celery", _("Celery-Aufgabe")
    SYSTEM = "system", _("System/Shell")
    WEB = "web", _("Webseite")


class Channel(models.TextChoices):
    """The OZG history's "Weg" of a status change (`StatusEvent.channel`)."""

    ADMIN = "admin", _("Verwaltungsoberfläche")
    API = "api", _("API-Token")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Beispieldaten")
    SYSTEM = "system", _("System")


class SourceKind(models.TextChoices):
    """Where a fact comes from, as the public sees it. Empty ("") means not known (rows older than this record)."""

    DEMO = "demo", _("Beispieldaten")
    REDAKTION = "redaktion", _("ITV.SH-Redaktion")
    KOMMUNE = "kommune", _("Kommune")
    IMPORT = "import", _("Datei-Import")
    BUND = "bund", _("Bundes-Dashboard")
    GRUENDUNGSDOKUMENT = "gruendungsdokument", _("Gründungsdokument")


#: The history's channel of each door. Commands and tasks that write statuses are imports (the CSV upload runs as a
#: task); a write from a shell, a script or a web page outside the admin has no channel of its own: "system".
DOOR_CHANNELS = {
    Door.ADMIN: Channel.ADMIN,
    Door.API: Channel.API,
    Door.API_TOKEN: Channel.API,
    Door.IMPORT: Channel.IMPORT,
    Door.CELERY: Channel.IMPORT,
    Door.SYSTEM: Channel.SYSTEM,
    Door.WEB: Channel.SYSTEM,
}
#: Declared source kinds that are channels of their own, whichever door they come through (a federal-format file
#: posted with an API token is an import).
SOURCE_CHANNELS = {
    SourceKind.DEMO: Channel.DEMO,
    SourceKind.IMPORT: Channel.IMPORT,
    SourceKind.BUND: Channel.IMPORT,
}


def channel_for(*, door: str, source: str = "") -> str:
    """The history's channel of a write through `door`, by an importer that declared `source` (or none)."""
    return SOURCE_CHANNELS.get(source) or DOOR_CHANNELS.get(door, Channel.SYSTEM)


def source_kind_for(*, door: str, source: str = "", acts_for_all: bool | None) -> str:
    """The public source kind of a write: what an importer or loader declared; else a file import where the
    door's channel is one (a command, a task); else by the acting user: who acts for all Verwaltungen (superusers,
    the group Monitoring, the system actor; `accounts.selectors.acts_for_all_verwaltungen`) or is bound to none
    (ITV.SH staff writing agreements or money lines) writes as the ITV.SH Redaktion, anyone else only as a member of
    the Verwaltung she writes for: Kommune. `acts_for_all` is None when nobody acts: not known ("")."""
    if source:
        return source
    if DOOR_CHANNELS.get(door) == Channel.IMPORT:
        return SourceKind.IMPORT
    if acts_for_all is None:
        return ""
    return SourceKind.REDAKTION if acts_for_all else SourceKind.KOMMUNE
