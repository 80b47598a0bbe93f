"""Forms of the second-factor steps. A code is checked against the user's devices by the view's form (so that
django-otp's throttling counts every wrong code); the form only carries the user and the devices."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import backup_code_digest, backup_code_normalise


def _throttled_message(data) -> str:
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return str(_("Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen Sie es erneut."))
    seconds = max(1, int((locked_until - timezone.now()) / datetime.timedelta(seconds=1)) + 1)
    return str(
        _("Zu viele falsche Codes. Bitte warten Sie %(seconds)d Sekunden und versuchen Sie es erneut.")
        % {"seconds": seconds}
    )


class CodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or (when `allow_backup_codes`) one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, totp_devices=(), backup_device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.totp_devices = list(totp_devices)
        self.backup_device = backup_device
        self.device = None
        if backup_device is not None:
            self.fields["code"].help_text = _(
                "Der sechsstellige Code aus Ihrer Authenticator-App oder einer Ihrer Notfallcodes."
            )
        else:
            self.fields["code"].help_text = _("Der sechsstellige Code, den Ihre Authenticator-App jetzt anzeigt.")

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if code.isdigit() and len(code) == 6:
            devices = self.totp_devices
            token = code
        elif self.backup_device is not None and len(backup_code_normalise(code)) >= 8:
            devices = [self.backup_device]
            token = backup_code_digest(code)
        else:
            raise forms.ValidationError(
                _(
                    "Bitte den sechsstelligen Code aus der App eingeben."
                    if self.backup_device is None
                    else "Bitte den sechsstelligen Code aus der App oder einen Notfallcode eingeben."
                ),
                code="format",
            )
        throttled = None
        for device in devices:
            allowed, data = device.verify_is_allowed()
            if not allowed:
                throttled = data
                continue
            if device.verify_token(token):  # counts a failure on the device (django-otp throttling)
                self.device = device
                return code
        if throttled is not None:
            raise forms.ValidationError(_throttled_message(throttled), code="throttled")
        raise forms.ValidationError(_("Der Code ist falsch oder abgelaufen."), code="invalid")
