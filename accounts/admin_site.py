"""The admin site of the portal: the admin opens only after the second factor.

Flow (see accounts/README.md): password (Django's admin login, guarded by django-axes) → if the user has no
confirmed TOTP device, "Zweiten Faktor einrichten" (QR code, confirm with a code, then 10 backup codes shown
once) → otherwise "Zweiter Faktor" (a 6-digit code or a backup code) → admin.

`has_permission` requires `request.user.is_verified()` (set by django_otp's OTPMiddleware). Every admin URL
of a signed-in but unverified staff member redirects to the step (with `next`), except logout, so that one
can always abort. The step views live under /admin/zweiter-faktor/ and are named `admin:second_factor_*`.

The start page (`index`) shows "Was jetzt zu tun ist" (accounts/start_page.py) above the app list; /admin/suche/
searches across the admin (accounts/admin_search.py, search box in the header). A PermissionDenied inside an
admin view is answered with the admin's own 403 page (templates/admin/403.html), not the public one.

The admin speaks German whatever language the browser asks for (LocaleMiddleware would otherwise answer an
English browser with Django's, django-simple-history's and the filter widget's English texts beside our German
ones): every admin view, its JavaScript catalog and the login run in LANGUAGE_CODE. Third-party apps whose
names are not translatable (django-otp's plain-string verbose names) get German names on the app list
(`APP_NAMES`, `MODEL_NAMES`); django-otp's apps are named in German by their AppConfigs (accounts/otp_apps.py).
"""

from functools import partial, update_wrapper

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import second_factor
from .admin_search import admin_search, clean_query
from .start_page import start_page_panels

#: German names of third-party apps and models on the app list, where their own names are not translatable.
APP_NAMES = {"axes": gettext_lazy("Anmeldeversuche und Sperren")}
MODEL_NAMES = {
    ("otp_static", "staticdevice"): gettext_lazy("Notfallcode-Geräte"),
    ("otp_totp", "totpdevice"): gettext_lazy("Authenticator-Apps (TOTP-Geräte)"),
}


def in_german(request):
    """The admin's language, whatever the browser asked for."""
    translation.activate(settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = translation.get_language()


class PortalAdminSite(admin.AdminSite):
    site_header = "Digitalisierungsportal ITV.SH – Verwaltung"
    site_title = "Portal-Verwaltung"
    index_title = "Übersicht"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and second_factor.is_verified(user)

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            in_german(request)
            if second_factor.is_pending(request.user):
                if request.path == reverse("admin:logout", current_app=self.name):
                    return csrf_protect(view)(request, *args, **kwargs)  # aborting is always possible
                return second_factor.redirect_to_step(request, self)
            try:
                return checked(request, *args, **kwargs)
            except PermissionDenied as error:
                return self.permission_denied(request, error)

        return update_wrapper(never_cache(inner) if not cacheable else inner, view)

    def permission_denied(self, request, error):
        """The 403 of an admin view, in the admin's layout (with the reason where the service gave one)."""
        reason = " ".join(str(arg) for arg in error.args if arg)
        context = {**self.each_context(request), "title": _("Keine Berechtigung"), "reason": reason}
        response = TemplateResponse(request, "admin/403.html", context, status=403)
        return response.render()

    def index(self, request, extra_context=None):
        extra_context = {"start_panels": start_page_panels(request, self), **(extra_context or {})}
        return super().index(request, extra_context)

    def search_view(self, request):
        query = clean_query(request.GET.get("q", ""))
        context = {
            **self.each_context(request),
            "title": _("Suche in der Verwaltung"),
            "query": query,
            "results": admin_search(request, self, query),
        }
        return TemplateResponse(request, "admin/search.html", context)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            app["name"] = APP_NAMES.get(app["app_label"], app["name"])
            for model in app["models"]:
                model["name"] = MODEL_NAMES.get((app["app_label"], model["object_name"].lower()), model["name"])
        return app_list

    def login(self, request, extra_context=None):
        in_german(request)
        if request.method == "GET" and second_factor.is_pending(request.user):
            return second_factor.redirect_to_step(request, self)
        return super().login(request, extra_context)

    def get_urls(self):
        def step(view):
            """The steps need the password login but not the second factor (admin_view would loop)."""
            return update_wrapper(never_cache(csrf_protect(second_factor.needs_password_login(view, self))), view)

        return [
            path("zweiter-faktor/", step(second_factor.verify_view), name="second_factor_verify"),
            path("zweiter-faktor/einrichten/", step(second_factor.setup_view), name="second_factor_setup"),
            path(
                "zweiter-faktor/notfallcodes/",
                self.admin_view(partial(second_factor.backup_codes_view, site=self)),
                name="second_factor_backup_codes",
            ),
            path("suche/", self.admin_view(self.search_view), name="search"),
            *super().get_urls(),
        ]
