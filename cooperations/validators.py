"""Validators shared by the model fields (admin forms) and the services (API, loader)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SOURCE_MAX_BYTES_DEFAULT = 10 * 1024 * 1024


def validate_pdf(file) -> None:
    """A source file must be a PDF (magic bytes "%PDF-") of at most COOPERATIONS_SOURCE_MAX_BYTES (10 MB)."""
    limit = getattr(settings, "COOPERATIONS_SOURCE_MAX_BYTES", SOURCE_MAX_BYTES_DEFAULT)
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": limit // (1024 * 1024)}, code="too_large"
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(5)
    file.seek(position)
    if head != b"%PDF-":
        raise ValidationError(_("Nur PDF-Dateien sind erlaubt."), code="not_pdf")
