"""The hook through which other apps add a line to the public OZG dashboard (/ozg/): a `common.sections.SectionHook`.

The dashboard's view calls every provider with None (the dashboard has no object) and the request and passes the
non-empty results, sorted by `order`, as `dashboard_sections`; templates/ozg_monitoring/dashboard.html renders each
inside "Kennzahlen" with `{% include section.template_name with section=section %}` (no heading of its own). The
dashboard is a cached page of the scope `selectors.READS`: a provider reads only models that scope watches (an app
above this one adds its models with `READS.watch(...)` in its AppConfig.ready()). The federal app adds the
reconciliation line ("Abgleich mit dem Bundes-Dashboard").
"""

from common.sections import RelatedSection, SectionHook

__all__ = ["RelatedSection", "dashboard_sections", "register_dashboard_section", "unregister_dashboard_section"]

_hook = SectionHook(anchor_prefix="dashboard")

register_dashboard_section = _hook.register
unregister_dashboard_section = _hook.unregister
dashboard_sections = _hook.sections
