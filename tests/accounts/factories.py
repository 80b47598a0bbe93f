"""factory_boy factories for accounts: users, memberships, and tokens (issued through the service, so that the
plaintext key is known to the test)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from accounts import services
from accounts.models import ApiToken, VerwaltungMembership
from common.authorization import system_actor
from tests.organisations.factories import AmtFactory


class UserFactory(factory.django.DjangoModelFactory):
    """A Kommune user without a usable password (tests log in with force_login or a token)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"benutzer{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@kommune.example")
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_unusable_password()
        if create:
            obj.save(update_fields=["password"])


class StaffUserFactory(UserFactory):
    is_staff = True


def role_user(group: str, **kwargs):
    """A staff user in the role group `group` (as the migrations made it), e.g. role_user("Administration")."""
    from django.contrib.auth.models import Group

    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


def kommune_user(**kwargs):
    """A user in the group Kommune (the permission to write statuses); bind it to Verwaltungen with
    `membership_grant`."""
    from django.contrib.auth.models import Group

    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name="Kommune"))
    return user


def grant_act_for_all(user):
    """Give `user` the permission accounts.act_for_all_verwaltungen (and drop Django's permission cache)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="act_for_all_verwaltungen")
    )
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


class VerwaltungMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerwaltungMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(AmtFactory)
    role = VerwaltungMembership.Role.MELDEND


def issue_token(user=None, **kwargs) -> tuple[ApiToken, str]:
    """A token through the service: returns (token, plaintext key)."""
    kwargs.setdefault("name", f"Token {ApiToken.objects.count() + 1}")
    kwargs.setdefault("by", system_actor())
    return services.api_token_create(user=user or UserFactory(), **kwargs)
