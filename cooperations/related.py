"""The section "Kooperationen" on a body's register page (/kommunen/<key>/), through the register's hook."""

from django.utils.translation import gettext as _

from organisations.related import RelatedSection, register_related_section

from .selectors import agreements_for_body


def agreements_section(body, request) -> RelatedSection | None:
    agreements = list(agreements_for_body(body))
    if not agreements:
        return None
    return RelatedSection(
        title=_("Kooperationen"),
        template_name="cooperations/includes/body_agreements.html",
        context={"agreements": agreements},
        order=10,
        anchor="kooperationen",
    )


def register():
    register_related_section(agreements_section)
