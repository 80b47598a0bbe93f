"""The admin app with the portal's own default site (`accounts.admin_site.PortalAdminSite`).

In INSTALLED_APPS this class takes the place of "django.contrib.admin": every `admin.site.register(...)` and
`@admin.register(...)` of every app then lands on the OTP-aware site, without any change in those apps.
It lives in its own module (not in apps.py), so that Django does not take it for the `accounts` app's config.
"""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PortalAdminSite"
