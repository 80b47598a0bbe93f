"""The portal's own catalogue of German error messages for API answers (and the fuzz tests that check them).

Every error body under /api/ takes its text from here: our services' and views' messages, and the German text
for each DRF/Django error code that can reach a client, so that no English default and no exception text ever
reaches a client. `message(code, **params)` formats one; `CATALOGUE` is what the tests match answers against.
"""

from django.utils.translation import gettext_lazy as _

#: code -> German template (%(name)s placeholders).
CATALOGUE: dict[str, str] = {
    "not_found": _("Nicht gefunden."),
}


def message(code: str, **params) -> str:
    """The catalogue's text for `code`, formatted with `params`."""
    template = str(CATALOGUE[code])
    return template % params if params else template
