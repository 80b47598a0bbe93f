"""Who acts, and through which door, for the writes of the current request, command, task or shell.

One context variable holds a `Frame` per unit of work:

- `middleware.AuditContextMiddleware` puts the request there. The door is resolved only when something is
  written, because DRF authenticates lazily inside the view: by then `request.auth` tells a token (door
  "API-Token", with the token's id and prefix) from a session (door "API (Sitzung)").
- Management commands run with the door "Import/Verwaltungsbefehl" (a wrapper around `BaseCommand.execute`,
  installed once in `AuditConfig.ready`); `shell` and `runserver` are left alone.
- Celery tasks run with the door "Celery-Aufgabe" (signals `task_prerun`/`task_postrun`), also when they run
  eagerly inside a request: a task is its own unit of work, whoever queued it.
- Everything else (a Python shell, a script) is "System/Shell".

Services and importers that know better say so with `acting_as(user=..., door=..., source=...)`: `source` is the
public source kind an importer or loader declares (`common.provenance.SourceKind`, e.g. "Datei-Import"). From the
resolved `Actor` follow the OZG history's channel and the public source kind of a write (`Actor.channel`,
`Actor.source_kind`, both through `common.provenance`): no caller names them.
"""

import contextlib
import contextvars
from dataclasses import dataclass, replace

from django.urls import NoReverseMatch, reverse

from common.provenance import Door, channel_for, source_kind_for

#: Commands that are not a door of their own: what is typed in a shell is "System/Shell".
NON_IMPORT_COMMANDS = frozenset({"shell", "shell_plus", "dbshell", "runserver", "testserver"})
API_PREFIX_PATH = "/api/"


@dataclass(frozen=True)
class Frame:
    door: str | None = None  # None: resolved from the request, or "System/Shell" without one
    user: object = None
    detail: str = ""
    token_id: int | None = None
    request: object = None
    suppressed: bool = False
    source: str = ""  # a SourceKind declared by an importer or loader; "" derives it from door and user


@dataclass(frozen=True)
class Actor:
    """The resolved answer to "who, through which door" for one write."""

    door: str
    user: object
    detail: str = ""
    token_id: int | None = None
    source: str = ""

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)

    @property
    def label(self) -> str:
        """Only the user name: neither the full name nor the e-mail address goes into the log."""
        if self.user is None:
            return ""
        return self.user.get_username()[:150]

    @property
    def channel(self) -> str:
        """The OZG history's channel of this write (`common.provenance.channel_for`)."""
        return channel_for(door=self.door, source=self.source)

    @property
    def source_kind(self) -> str:
        """The public source kind of this write (`common.provenance.source_kind_for`)."""
        from accounts.selectors import acts_for_all_verwaltungen, member_verwaltung_ids_for

        # Staff bound to no Verwaltung write for the ITV.SH too (agreements, money lines, catalogue entries): they
        # cannot write any Verwaltung's status, so for statuses this changes nothing.
        acts_for_all = None
        if self.user is not None:
            acts_for_all = acts_for_all_verwaltungen(self.user) or not member_verwaltung_ids_for(self.user)
        return source_kind_for(door=self.door, source=self.source, acts_for_all=acts_for_all)


_current: contextvars.ContextVar[Frame] = contextvars.ContextVar("audit_frame", default=Frame())  # noqa: B039 - frozen


def current_frame() -> Frame:
    return _current.get()


def is_suppressed() -> bool:
    return _current.get().suppressed


@contextlib.contextmanager
def _pushed(frame: Frame):
    token = _current.set(frame)
    try:
        yield frame
    finally:
        try:
            _current.reset(token)
        except ValueError:  # reset from another context (should not happen): fall back to "nobody"
            _current.set(Frame())


@contextlib.contextmanager
def acting_as(*, user=None, door: str | None = None, detail: str = "", source: str = ""):
    """Writes inside the block are recorded as done by `user` through `door`, with the declared public source kind
    `source` (each kept from the surrounding context when not given), e.g. `with acting_as(user=job.uploaded_by,
    source=SourceKind.IMPORT): ...` in an importer."""
    outer = _current.get()
    frame = replace(
        outer,
        user=user if user is not None else outer.user,
        door=door or outer.door,
        detail=detail or (outer.detail if door is None else ""),
        token_id=outer.token_id if door is None else None,
        source=source or outer.source,
    )
    with _pushed(frame):
        yield frame


@contextlib.contextmanager
def suppressed():
    """No entries for single writes inside the block: for paths that record one summary entry themselves
    (e.g. demo content, which is generated and flagged as such)."""
    with _pushed(replace(_current.get(), suppressed=True)):
        yield


@contextlib.contextmanager
def request_context(request):
    with _pushed(Frame(request=request)):
        yield


def _admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:  # pragma: no cover - the admin is always installed here
        return "/admin/"


def _from_request(request) -> tuple[str, object, str, int | None]:
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    path = request.path_info or ""
    if path.startswith(_admin_prefix()):
        return Door.ADMIN, user, "", None
    if path.startswith(API_PREFIX_PATH):
        from accounts.models import ApiToken

        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            return Door.API_TOKEN, user, f"{token.prefix}…", token.pk
        return Door.API, user, "", None
    return Door.WEB, user, "", None


def current_actor(*, fallback_user=None) -> Actor:
    """Resolves the current frame. `fallback_user` (e.g. the user a service was handed) names the actor where
    the context has none (a command, a task, the shell)."""
    frame = _current.get()
    door, user, detail, token_id = frame.door, frame.user, frame.detail, frame.token_id
    if frame.request is not None:
        request_door, request_user, request_detail, request_token = _from_request(frame.request)
        if door is None:
            door, detail, token_id = request_door, detail or request_detail, token_id or request_token
        if user is None:
            user = request_user
    if user is None and fallback_user is not None and getattr(fallback_user, "pk", None):
        user = fallback_user
    if user is None and door in (Door.IMPORT, Door.CELERY):
        from common.authorization import system_actor

        user = system_actor()  # commands and tasks act as the system actor (common/authorization.py)
    return Actor(door=door or Door.SYSTEM, user=user, detail=detail[:100], token_id=token_id, source=frame.source)


#: The fields `stamp_provenance` sets (common.models.ProvenanceFields).
PROVENANCE_FIELDS = ["source_kind", "source_at"]


def stamp_provenance(instance, *, by) -> str:
    """Stamps a fact (`common.models.ProvenanceFields`) with where this write comes from and now; returns the source
    kind. The one place a service turns the current door and user into a fact's provenance: call it in the service
    that saves the fact (and include `PROVENANCE_FIELDS` in `update_fields`)."""
    from django.utils import timezone

    instance.source_kind = current_actor(fallback_user=by).source_kind
    instance.source_at = timezone.now()
    return instance.source_kind


# --- hooks installed once by AuditConfig.ready --------------------------------------------------------------


def install_command_hook() -> None:
    """Every management command (import_register, load_founding_agreements, createsuperuser, …) runs with the
    door "Import/Verwaltungsbefehl" and the command's name as detail."""
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand.execute, "_audit_wrapped", False):
        return
    original = BaseCommand.execute

    def execute(self, *args, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        if name in NON_IMPORT_COMMANDS:
            return original(self, *args, **options)
        with _pushed(Frame(door=Door.IMPORT, detail=name)):
            return original(self, *args, **options)

    execute._audit_wrapped = True
    execute.__wrapped__ = original
    BaseCommand.execute = execute


_task_tokens: dict = {}


def _task_started(sender=None, task_id=None, task=None, **kwargs):
    name = getattr(task, "name", None) or getattr(sender, "name", "") or ""
    _task_tokens[task_id] = _current.set(Frame(door=Door.CELERY, detail=name[:100]))


def _task_finished(sender=None, task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:
            _current.set(Frame())


def install_celery_hooks() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="audit_task_prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="audit_task_postrun")
