"""Writes to the register with rules: staff edits of a body (`organisation_save`). The Destatis import lives in
`organisations.destatis`."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import model_rules

from .models import Organisation

ORGANISATION = model_rules("organisations.organisation", _lazy("Stelle des Registers"))


@transaction.atomic
def organisation_save(*, organisation: Organisation, by) -> Organisation:
    """Staff edits and new non-territorial bodies (admin): validate everything, then save (history through
    simple_history). Raises ValidationError with German messages."""
    ORGANISATION.for_save(organisation).require(by)
    organisation.full_clean()
    organisation.save()
    return organisation
