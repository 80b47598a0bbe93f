"""Related sections, both ways:

- the section "Kooperationen" on a body's register page (/kommunen/<key>/), through the register's hook;
- the hook through which other apps add sections to an agreement's page (/kooperationen/<slug>/), e.g. funding's
  "Finanzierung" (funding/related.py): `register_agreement_section(provider)` in the other app's
  AppConfig.ready(), a provider takes the agreement and the request (`common.sections`). The page renders them
  after "Maßnahmen und Fortschritt";
- the same for the agreement's change page in the admin (`register_agreement_admin_section(provider)`, e.g.
  funding's "Mittel": planned, requested, approved, paid, remaining): `AgreementAdmin.render_change_form` passes
  `agreement_admin_sections(agreement, request)` as `admin_sections`, drawn after the fieldsets by
  templates/admin/cooperations/agreement/change_form.html. A provider answers None where the user may not see
  its data.
"""

from django.utils.translation import gettext as _

from common.sections import RelatedSection, SectionHook
from organisations.related import register_related_section

from .selectors import agreements_for_body

_agreement_hook = SectionHook(anchor_prefix="vereinbarung-bezug")

register_agreement_section = _agreement_hook.register
unregister_agreement_section = _agreement_hook.unregister
agreement_sections = _agreement_hook.sections

_agreement_admin_hook = SectionHook(anchor_prefix="vereinbarung-verwaltung")

register_agreement_admin_section = _agreement_admin_hook.register
unregister_agreement_admin_section = _agreement_admin_hook.unregister
agreement_admin_sections = _agreement_admin_hook.sections


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
