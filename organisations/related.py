"""The hook through which other apps add sections to a body's page (/kommunen/<key>/): a `common.sections.SectionHook`.

Another app registers a provider once, e.g. in its AppConfig.ready()::

    from organisations.related import RelatedSection, register_related_section

    def agreements_section(body, request):
        agreements = agreements_for_body(body)          # the app's own selector
        if not agreements:
            return None                                 # nothing to show: no section
        return RelatedSection(
            title="Kooperationen",
            template_name="cooperations/includes/body_agreements.html",
            context={"agreements": agreements},
            order=10,
        )

    register_related_section(agreements_section)

The detail view calls every provider with the body and the request and passes the non-empty results, sorted by
`order`, as `related_sections`; templates/organisations/detail.html renders each with
`{% include section.template_name with body=body section=section %}` under an <h2> with `section.title`:
the included template reads its data from `section.context` (e.g. `section.context.agreements`) and starts at
heading level 3. A provider that raises is a bug and is not hidden.
"""

from common.sections import RelatedSection, SectionHook

__all__ = ["RelatedSection", "register_related_section", "related_sections", "unregister_related_section"]

_hook = SectionHook(anchor_prefix="bezug")

register_related_section = _hook.register
unregister_related_section = _hook.unregister
related_sections = _hook.sections
