"""The admin site of the portal: the admin opens only after the second factor.

Flow (see accounts/README.md): password (Django's admin login, guarded by django-axes) → if the user has no
confirmed TOTP device, "Zweiten Faktor einrichten" (QR code, confirm with a code, then 10 backup codes shown
once) → otherwise "Zweiter Faktor" (a 6-digit code or a backup code) → admin.

`has_permission` requires `request.user.is_verified()` (set by django_otp's OTPMiddleware). Every admin URL
of a signed-in but unverified staff member redirects to the step (with `next`), except logout, so that one
can always abort. The step views live under /admin/zweiter-faktor/ and are named `admin:second_factor_*`.
"""

from functools import partial, update_wrapper

from django.contrib import admin
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import second_factor


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
            if second_factor.is_pending(request.user):
                if request.path == reverse("admin:logout", current_app=self.name):
                    return csrf_protect(view)(request, *args, **kwargs)  # aborting is always possible
                return second_factor.redirect_to_step(request, self)
            return checked(request, *args, **kwargs)

        return update_wrapper(never_cache(inner) if not cacheable else inner, view)

    def login(self, request, extra_context=None):
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
            *super().get_urls(),
        ]
