"""Staff tools for accounts: memberships (also inline on the user), API tokens (create, show once, revoke).

Every write goes through `services.py`. A new token's plaintext key is handed to the staff member once, as a
message on the page after saving; it is neither stored nor shown again (the model only holds its SHA-256).
Tokens are never edited or deleted here, only revoked, so that their history stays complete.
"""

import datetime

from axes.admin import AccessAttemptAdmin, IsLockedOutFilter
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.admin_support import ServiceErrorsAdminMixin, bulk_result
from common.authorization import is_system_actor
from organisations.admin_filters import kreis_filter

from . import services
from .models import ApiToken, VerwaltungMembership

User = get_user_model()

#: Suggested validity of a new token in the create form (staff may clear the field for no expiry).
DEFAULT_VALIDITY = datetime.timedelta(days=365)


# --- Memberships ---------------------------------------------------------------------------------------


class VerwaltungMembershipInline(admin.TabularInline):
    model = VerwaltungMembership
    fk_name = "user"
    fields = ("organisation", "role", "granted_at", "granted_by")
    readonly_fields = ("granted_at", "granted_by")
    extra = 0
    verbose_name = _("Verwaltung, für die der Benutzer handelt")
    verbose_name_plural = _("Verwaltungen, für die der Benutzer handelt")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "granted_by")


class MembershipServiceMixin:
    """Inline memberships are saved and removed through the services (who granted it, when)."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not VerwaltungMembership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_revoke(membership=membership, by=request.user)
        for membership in instances:
            services.membership_save(membership=membership, by=request.user)
        formset.save_m2m()


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(AccessAttempt)

#: Fields of an account that only superusers edit (the others see them read-only).
SUPERUSER_FIELDS = ("is_superuser", "user_permissions")
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "is_active", "groups", "user_permissions")


#: Django's default permissions in German (their stored names read "Can add …" whatever the language).
PERMISSION_VERBS = {"add": _("anlegen"), "change": _("ändern"), "delete": _("löschen"), "view": _("ansehen")}


def permission_label(permission) -> str:
    """ "App | Modell | anlegen": the names the admin shows, a default permission's verb in German; a custom
    permission keeps its own (German) name."""
    content_type = permission.content_type
    model = content_type.model_class()
    verb, _sep, rest = permission.codename.partition("_")
    if model is None:
        return str(permission)
    opts = model._meta
    action = PERMISSION_VERBS[verb] if verb in PERMISSION_VERBS and rest == opts.model_name else permission.name
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {action}"


class GermanPermissionsMixin:
    """The permission pickers of groups and users list every permission in German (`permission_label`)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


@admin.register(Group)
class PortalGroupAdmin(ServiceErrorsAdminMixin, GermanPermissionsMixin, GroupAdmin):
    """Groups are the roles; their permissions are changed by superusers only (services.GROUP)."""

    rules = services.GROUP


class PrivilegedDeviceGuardMixin:
    """Second-factor devices of superusers and Administration members are changed and removed by superusers
    only (as `services.second_factor_reset` decides); their secrets are shown to nobody (settings)."""

    def _guarded(self, request, obj) -> bool:
        return obj is not None and not request.user.is_superuser and services.is_privileged(obj.user)

    def has_change_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_delete_permission(request, obj)


#: django-otp's plain English texts on its admin pages, in German: fieldset titles, field labels and help texts.
OTP_FIELDSETS = {
    "Identity": _("Zuordnung"),
    "Timestamps": _("Zeitpunkte"),
    "Configuration": _("Einstellungen"),
    "State": _("Zustand"),
    "Throttling": _("Sperre nach Fehlversuchen"),
}
OTP_FIELDS = {
    "user": (_("Benutzer"), _("Der Benutzer, dem dieses Gerät gehört.")),
    "name": (_("Name"), _("Der lesbare Name dieses Geräts.")),
    "confirmed": (_("bestätigt"), _("Ist das Gerät einsatzbereit?")),
    "created_at": (_("angelegt am"), _("Wann das Gerät angelegt wurde.")),
    "last_used_at": (_("zuletzt benutzt am"), _("Wann das Gerät zuletzt benutzt wurde.")),
    "key": (_("Schlüssel"), _("Ein hexadezimal kodierter geheimer Schlüssel von bis zu 40 Bytes.")),
    "step": (_("Zeitschritt"), _("Der Zeitschritt in Sekunden.")),
    "t0": (_("Startzeit"), _("Die Unix-Zeit, ab der die Schritte gezählt werden.")),
    "digits": (_("Stellen"), _("Wie viele Ziffern ein Code hat.")),
    "tolerance": (_("Toleranz"), _("Wie viele Zeitschritte vor oder zurück erlaubt sind.")),
    "drift": (_("Abweichung"), _("Um wie viele Zeitschritte die Uhr des Geräts abweicht.")),
    "last_t": (
        _("letzter Zeitschritt"),
        _("Der Zeitschritt des letzten gültigen Codes; der nächste muss später sein."),
    ),
    "throttling_failure_timestamp": (_("letzter Fehlversuch"), _("Zeitpunkt des letzten Fehlversuchs.")),
    "throttling_failure_count": (_("Fehlversuche"), _("Anzahl der Fehlversuche in Folge.")),
    "token": (_("Code"), ""),
}


class GermanOtpAdminMixin:
    """django-otp's device admins in German: their fieldsets, labels, help texts and list columns (the plugin's
    texts are plain strings no catalog translates; its models keep them, so no migration follows)."""

    def get_fieldsets(self, request, obj=None):
        return [(OTP_FIELDSETS.get(title, title), options) for title, options in super().get_fieldsets(request, obj)]

    def get_form(self, request, obj=None, change=False, **kwargs):
        labels = {name: label for name, (label, _help) in OTP_FIELDS.items()}
        help_texts = {name: text for name, (_label, text) in OTP_FIELDS.items()}
        kwargs.setdefault("labels", labels)
        kwargs.setdefault("help_texts", help_texts)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_filter(self, request):
        filters = []
        for name in super().get_list_filter(request):
            if isinstance(name, str) and name in OTP_FIELDS:
                base = admin.BooleanFieldListFilter if name == "confirmed" else admin.DateFieldListFilter
                filters.append((name, _titled_filter(base, OTP_FIELDS[name][0])))
            else:
                filters.append(name)
        return filters

    def get_list_display(self, request):
        columns = []
        for name in super().get_list_display(request):
            if isinstance(name, str) and name in OTP_FIELDS:
                columns.append(_otp_column(name))
            else:
                columns.append(name)
        return columns


def _titled_filter(base, title):
    class Titled(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


def _otp_column(name):
    def column(obj):
        value = getattr(obj, name)
        if isinstance(value, bool):
            return value
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "d.m.Y, H:i")
        return value if value is not None else "–"

    column.short_description = OTP_FIELDS[name][0]
    column.admin_order_field = name
    column.__name__ = name
    if name == "confirmed":
        column.boolean = True
    return column


@admin.register(TOTPDevice)
class PortalTOTPDeviceAdmin(PrivilegedDeviceGuardMixin, GermanOtpAdminMixin, TOTPDeviceAdmin):
    search_help_text = _("Suche nach Benutzername oder E-Mail-Adresse")


@admin.register(StaticDevice)
class PortalStaticDeviceAdmin(PrivilegedDeviceGuardMixin, GermanOtpAdminMixin, StaticDeviceAdmin):
    search_help_text = _("Suche nach Benutzername oder E-Mail-Adresse")


# --- failed logins (django-axes), in German -----------------------------------------------------------


class LockedOutFilter(IsLockedOutFilter):
    title = _("gesperrt")


@admin.register(AccessAttempt)
class PortalAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes' list of login attempts, with German texts where axes' own catalog has none (the lock filter,
    the remaining attempts, the clean-up action and its message)."""

    list_filter = [LockedOutFilter if item is IsLockedOutFilter else item for item in AccessAttemptAdmin.list_filter]
    fieldsets = (
        (None, {"fields": ("username", "path_info", "failures_since_start", "expiration")}),
        (_("Formulardaten"), {"fields": ("get_data", "post_data")}),
        (_("Metadaten"), {"fields": ("user_agent", "ip_address", "http_accept")}),
    )

    @admin.action(description=_("Abgelaufene Zugriffsversuche bereinigen"))
    def cleanup_expired_attempts(self, request, queryset):
        # axes' own action answered 500 here: its threshold reads the time of a login attempt from the request,
        # which only a login request has. None means "now" to axes.
        if not hasattr(request, "axes_attempt_time"):
            request.axes_attempt_time = None
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request,
            ngettext(
                "%(count)d abgelaufener Zugriffsversuch bereinigt.",
                "%(count)d abgelaufene Zugriffsversuche bereinigt.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("Ablauf"))
    def expiration(self, obj):
        return obj.expiration.expires_at if hasattr(obj, "expiration") else _("nicht gesetzt")

    @admin.display(description=_("Status"))
    def status(self, obj):
        remaining = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if remaining > 0:
            return ngettext("noch %(count)d Versuch", "noch %(count)d Versuche", remaining) % {"count": remaining}
        return _("gesperrt")


@admin.register(User)
class PortalUserAdmin(ServiceErrorsAdminMixin, GermanPermissionsMixin, MembershipServiceMixin, UserAdmin):
    """Django's user admin, plus the Verwaltungen the user may act for, under the escalation rules of
    `services.user_change_errors` (shown on the fields): Administration manages accounts within the roles."""

    rules = services.USER
    inlines = [VerwaltungMembershipInline]
    actions = ["reset_second_factor"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in SUPERUSER_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and (
            is_system_actor(obj)
            or (not request.user.is_superuser and obj.pk != request.user.pk and services.is_privileged(obj))
        ):
            return False  # the system actor is nobody's to change; privileged accounts are the superusers'
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        privileged = obj is not None and not request.user.is_superuser and services.is_privileged(obj)
        if obj is not None and (is_system_actor(obj) or privileged):
            return False
        return super().has_delete_permission(request, obj)

    def rule_errors(self, request, form):
        saved = User.objects.get(pk=form.instance.pk) if form.instance.pk else User()
        changes = {name: form.cleaned_data[name] for name in PRIVILEGE_FIELDS if name in form.cleaned_data}
        return services.user_change_errors(by=request.user, user=saved, changes=changes)

    def save_model(self, request, obj, form, change):
        services.user_save(
            user=obj,
            by=request.user,
            groups=form.cleaned_data.get("groups"),
            user_permissions=form.cleaned_data.get("user_permissions"),
        )

    def has_reset_second_factor_permission(self, request):
        return services.SECOND_FACTOR_RESET.allows(request.user)

    @admin.action(
        description=_("Zweiten Faktor zurücksetzen (neu einrichten bei der nächsten Anmeldung)"),
        permissions=["reset_second_factor"],
    )
    def reset_second_factor(self, request, queryset):
        users, refused = [], []
        for user in queryset:
            try:
                services.second_factor_reset(user=user, by=request.user)
                users.append(user)
            except PermissionDenied as error:
                refused.append((user, error))
        bulk_result(
            self,
            request,
            selected=len(users) + len(refused),
            done=len(users),
            items=_("Benutzern"),
            what=_("den zweiten Faktor zurückgesetzt (neu einzurichten bei der nächsten Anmeldung)"),
            refused=refused,
        )


@admin.register(VerwaltungMembership)
class VerwaltungMembershipAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    rules = services.MEMBERSHIP
    list_display = (
        "user",
        "organisation",
        "organisation_kind",
        "organisation_kreis",
        "role",
        "granted_at",
        "granted_by",
    )
    list_filter = ("role", ("organisation__kind", admin.ChoicesFieldListFilter), kreis_filter("organisation"))
    list_select_related = ("user", "organisation", "organisation__kreis", "granted_by")
    search_fields = ("user__username", "user__email", "user__last_name", "organisation__name", "organisation__ars")
    autocomplete_fields = ("user",)
    fields = ("user", "organisation", "role", "granted_at", "granted_by")
    readonly_fields = ("granted_at", "granted_by")
    ordering = ("organisation__name", "user__username")
    date_hierarchy = "granted_at"

    @admin.display(description=_("Art"), ordering="organisation__kind")
    def organisation_kind(self, membership):
        return membership.organisation.get_kind_display()

    @admin.display(description=_("Kreis"), ordering="organisation__kreis__name")
    def organisation_kreis(self, membership):
        kreis = membership.organisation.kreis
        return kreis.display_name if kreis else "–"

    def save_model(self, request, obj, form, change):
        services.membership_save(membership=obj, by=request.user)

    def delete_model(self, request, obj):
        services.membership_revoke(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_revoke(membership=membership, by=request.user)


# --- API tokens --------------------------------------------------------------------------------------


class ApiTokenCreateForm(forms.ModelForm):
    """Name, user, scope, expiry. The key is made by the service after saving."""

    class Meta:
        model = ApiToken
        fields = ("name", "user", "scope", "expires_at")

    def clean(self):
        cleaned = super().clean()
        try:
            services.api_token_check_new(
                user=cleaned.get("user", getattr(self, "own_user", None)),
                name=cleaned.get("name"),
                expires_at=cleaned.get("expires_at"),
                by=self.acting_user,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, field_errors)
        return cleaned


class TokenStatusListFilter(admin.SimpleListFilter):
    title = _("Status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (ApiToken.Status.ACTIVE, ApiToken.Status.ACTIVE.label),
            (ApiToken.Status.EXPIRED, ApiToken.Status.EXPIRED.label),
            (ApiToken.Status.REVOKED, ApiToken.Status.REVOKED.label),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case ApiToken.Status.ACTIVE:
                return queryset.active()
            case ApiToken.Status.EXPIRED:
                return queryset.expired()
            case ApiToken.Status.REVOKED:
                return queryset.revoked()
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    add_form = ApiTokenCreateForm
    add_fields = ("name", "user", "scope", "expires_at")
    detail_fields = (
        "name",
        "user",
        "prefix_display",
        "scope",
        "status_display",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    list_display = (
        "prefix_display",
        "name",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "status_display",
    )
    list_display_links = ("prefix_display", "name")
    list_filter = (TokenStatusListFilter, "scope")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__email")
    autocomplete_fields = ("user",)
    date_hierarchy = "created_at"
    actions = ["revoke_tokens"]

    #: Kommune self-service: a user bound to Verwaltungen (without the token permissions) sees, creates and revokes
    #: her own tokens only, with a scope of at most her own rights (services.api_token_create_own).
    own_add_fields = ("name", "scope", "expires_at")

    def _self_service(self, request) -> bool:
        return not services.TOKEN.add.allows(request.user) and services.may_issue_own_token(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._self_service(request)

    def has_view_permission(self, request, obj=None):
        if self._self_service(request):
            return obj is None or obj.user_id == request.user.pk
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) or self._self_service(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(user=request.user) if self._self_service(request) else queryset

    # The key hash is never shown or edited; an existing token is read-only (it can only be revoked).
    def get_fields(self, request, obj=None):
        if obj is None and self._self_service(request):
            return self.own_add_fields
        return self.add_fields if obj is None else self.detail_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.detail_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        if obj is None and self._self_service(request):
            kwargs["fields"] = self.own_add_fields
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user  # the token rules depend on who issues it
        if obj is None and self._self_service(request):
            form.own_user = request.user
            scopes = services.own_token_scopes(request.user)
            form.base_fields["scope"].choices = [c for c in ApiToken.Scope.choices if c[0] in scopes]
            form.base_fields["scope"].initial = ApiToken.Scope.READ
        return form

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return services.TOKEN.change.allows(request.user) or self._self_service(request)  # her own: get_queryset

    @admin.display(description=_("Präfix"), ordering="prefix")
    def prefix_display(self, token):
        return f"{token.prefix}…" if token.prefix else "–"

    @admin.display(description=_("Status"))
    def status_display(self, token):
        return token.status.label

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of an existing token is editable
        if self._self_service(request):
            token, key = services.api_token_create_own(
                name=obj.name, scope=obj.scope, expires_at=obj.expires_at, by=request.user
            )
        else:
            token, key = services.api_token_create(
                user=obj.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at, by=request.user
            )
        # The admin goes on with `obj` (log entry, redirect): let it be the saved token.
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(
            request,
            format_html(
                "Schlüssel des neuen API-Tokens „{}“ für {}: <code>{}</code><br>"
                "Der Schlüssel wird nur jetzt angezeigt. Kopieren Sie ihn jetzt und geben Sie ihn sicher weiter; "
                "er wird nicht gespeichert und kann später nicht wieder angezeigt werden.",
                token.name,
                token.user,
                key,
            ),
        )

    @admin.action(description=_("Widerrufen"), permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        selected = queryset.count()
        revoked = sum(
            services.api_token_revoke(token=token, by=request.user) for token in queryset.filter(revoked_at=None)
        )
        already = selected - revoked
        bulk_result(
            self,
            request,
            selected=selected,
            done=revoked,
            items=_("Tokens"),
            what=_("widerrufen"),
            unchanged={_("schon vorher widerrufen"): already},
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("expires_at", timezone.localtime() + DEFAULT_VALIDITY)
        return initial
