"""Sections that other apps add to an app's page, through a hook the page's app offers (the dependency points from
the app that adds a section to the app that offers the hook, never back).

The app whose page it is creates one `SectionHook` and names its functions (e.g. `organisations.related`: a body's
page, `cooperations.related`: an agreement's page). Another app registers a provider once, in its
AppConfig.ready(); a provider takes the page's object and the request and returns a `RelatedSection` or None
(nothing to show). The page's view passes `hook.sections(obj, request)` (non-empty results, sorted by `order`) as
`related_sections`; its template renders each under an <h2> with `section.title` and the id `section.anchor`, with
`{% include section.template_name with section=section %}`: the included template reads its data from
`section.context` and starts at heading level 3. A provider that raises is a bug and is not hidden.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RelatedSection:
    title: str
    template_name: str
    context: dict = field(default_factory=dict)
    order: int = 100
    anchor: str = ""  # id of the section's heading; derived from the position when empty


Provider = Callable[[object, object], RelatedSection | None]


class SectionHook:
    """The providers of one page's related sections."""

    def __init__(self, *, anchor_prefix: str = "bezug"):
        self.anchor_prefix = anchor_prefix
        self._providers: list[Provider] = []

    def register(self, provider: Provider) -> Provider:
        """Adds a provider (idempotent: registering the same function twice keeps one). Usable as a decorator."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def unregister(self, provider: Provider) -> None:
        if provider in self._providers:
            self._providers.remove(provider)

    def sections(self, obj, request) -> list[RelatedSection]:
        sections = [section for provider in list(self._providers) if (section := provider(obj, request)) is not None]
        for index, section in enumerate(sections):
            if not section.anchor:
                section.anchor = f"{self.anchor_prefix}-{index + 1}"
        return sorted(sections, key=lambda section: section.order)
