"""The cooperations app's panels on the admin's start page (accounts/start_page.py): obligations due, agreements
ending, and the reminders of the next days with those that reached nobody."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.start_page import Entry, Panel, changelist_url, filtered_entry, panel, through_filter, viewable_admin


@panel(20)
def obligations_due(request, site) -> Panel | None:
    from cooperations.admin_filters import DUE_SOON, DUE_SOON_DAYS, OVERDUE, ObligationDueFilter

    model_admin = viewable_admin(request, site, "cooperations.Obligation")
    if model_admin is None:
        return None
    return Panel(
        key="verpflichtungen",
        title=_("Verpflichtungen"),
        entries=[
            filtered_entry(model_admin, request, ObligationDueFilter, OVERDUE, _("überfällig")),
            filtered_entry(
                model_admin,
                request,
                ObligationDueFilter,
                DUE_SOON,
                _("fällig in den nächsten %(days)d Tagen") % {"days": DUE_SOON_DAYS},
            ),
        ],
    )


@panel(30)
def agreements_ending(request, site) -> Panel | None:
    from cooperations.admin import TermFilter

    model_admin = viewable_admin(request, site, "cooperations.Agreement")
    if model_admin is None:
        return None
    return Panel(
        key="vereinbarungen",
        title=_("Vereinbarungen"),
        entries=[filtered_entry(model_admin, request, TermFilter, "ending90", _("enden in den nächsten 90 Tagen"))],
    )


#: How many upcoming reminders the reminder panel names (it looks as far ahead as the preview page).
REMINDERS_LISTED = 10


@panel(70)
def reminders_coming(request, site) -> Panel | None:
    """The reminders of the next PREVIEW_DAYS days (what, to whom, when; cooperations/reminders.py decides) and
    the reminders that found no recipient and have not been sent since."""
    from cooperations import reminders
    from cooperations.admin import PREVIEW_DAYS
    from cooperations.admin_filters import UNREACHED, ReminderReachedFilter

    model_admin = viewable_admin(request, site, "cooperations.ReminderLog")
    if model_admin is None:
        return None
    upcoming = reminders.planned(timezone.localdate(), days=PREVIEW_DAYS)
    unreached_count = through_filter(model_admin, request, ReminderReachedFilter, UNREACHED).count()
    unreached = Entry(
        ngettext(
            "Erinnerung hat niemanden erreicht und ist seitdem nicht versandt",
            "Erinnerungen haben niemanden erreicht und sind seitdem nicht versandt",
            unreached_count,
        ),
        unreached_count,
        changelist_url(model_admin, **{ReminderReachedFilter.parameter_name: UNREACHED}),
    )
    details = [
        Entry(
            _("am %(day)s: %(kind)s „%(title)s“ an %(to)s")
            % {
                "day": date_format(reminder.send_on),
                "kind": reminder.kind_label,
                "title": reminder.title,
                "to": ", ".join(reminder.emails) if reminder.emails else _("niemanden (kein Empfänger gefunden)"),
            },
            0,
            reminder.admin_path,
        )
        for reminder in upcoming[:REMINDERS_LISTED]
    ]
    preview = reverse("admin:cooperations_reminderlog_preview", current_app=site.name)
    return Panel(
        key="erinnerungen",
        title=_("Erinnerungen"),
        entries=[
            Entry(
                ngettext(
                    "Erinnerung in den nächsten %(days)d Tagen",
                    "Erinnerungen in den nächsten %(days)d Tagen",
                    len(upcoming),
                )
                % {"days": PREVIEW_DAYS},
                len(upcoming),
                preview,
            ),
            unreached,
        ],
        details=details,
        details_title=(
            _("Die ersten %(listed)d; die Vorschau zeigt alle.") % {"listed": len(details)}
            if len(upcoming) > len(details)
            else ""
        ),
    )
