"""The one "Kreis" list filter of the admin, for every model that lies in a Kreis.

The parameter is `kreis` and its value the 5-digit Kreis key (`?kreis=01054`: Kreis Nordfriesland), in every admin
list: it selects the rows whose body (`path`) has an ARS starting with that key, i.e. the Kreis or kreisfreie Stadt
itself and everything that lies in it. A value that is no Kreis key is ignored (the list stays unfiltered).

    list_filter = [kreis_filter("verwaltung")]        # RolloutStatus: the Verwaltung's Kreis
    list_filter = [kreis_filter()]                    # Organisation itself
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import keys
from .selectors import kreisebene


class KreisListFilter(admin.SimpleListFilter):
    title = _("Kreis")
    parameter_name = "kreis"
    #: The path from the listed model to the body whose Kreis counts ("" for Organisation itself).
    path = ""

    def lookups(self, request, model_admin):
        return [(keys.kreis_key(kreis.ars), kreis.display_name) for kreis in kreisebene()]

    def queryset(self, request, queryset):
        value = self.value()
        if not keys.is_kreis_key(value):
            return queryset
        field = f"{self.path}__ars__startswith" if self.path else "ars__startswith"
        return queryset.filter(**{field: value})


def kreis_filter(path: str = "") -> type[KreisListFilter]:
    """The Kreis list filter for a model whose body is reached through `path` (e.g. "verwaltung", "organisation")."""
    return type("KreisListFilter", (KreisListFilter,), {"path": path, "__module__": __name__})
