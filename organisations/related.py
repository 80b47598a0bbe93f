"""The hook through which other apps add sections to a body's page (/kommunen/<key>/).

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

from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Organisation


@dataclass
class RelatedSection:
    title: str
    template_name: str
    context: dict = field(default_factory=dict)
    order: int = 100
    anchor: str = ""  # id of the section's heading; derived from the title when empty


Provider = Callable[[Organisation, object], RelatedSection | None]
_providers: list[Provider] = []


def register_related_section(provider: Provider) -> Provider:
    """Adds a provider (idempotent: registering the same function twice keeps one). Usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_related_section(provider: Provider):
    if provider in _providers:
        _providers.remove(provider)


def related_sections(body: Organisation, request) -> list[RelatedSection]:
    sections = [section for provider in list(_providers) if (section := provider(body, request)) is not None]
    for index, section in enumerate(sections):
        if not section.anchor:
            section.anchor = f"bezug-{index + 1}"
    return sorted(sections, key=lambda section: section.order)
