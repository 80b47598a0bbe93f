"""Opt-out of mails that may be declined: a signed link that works without login; GET changes nothing."""

import pytest
from django.test import Client

from accounts import notifications

pytestmark = pytest.mark.django_db
KIND = notifications.COOPERATION_REMINDERS


def test_opt_out_link_works_without_login_and_only_post_changes(django_user_model):
    user = django_user_model.objects.create_user("mitglied", email="m@itvsh.example", is_staff=True)
    path = notifications.optout_path(user, KIND)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and "Diese Nachrichten abbestellen" in page.content.decode()
    assert notifications.wants(user, KIND)  # a mail scanner following the link changes nothing
    done = client.post(path, {"wants": "nein"})
    assert done.status_code == 200 and "nicht mehr" in done.content.decode()
    assert not notifications.wants(user, KIND)
    client.post(path, {"wants": "ja"})
    assert notifications.wants(user, KIND)


def test_forged_or_altered_tokens_are_refused(django_user_model):
    user = django_user_model.objects.create_user("mitglied")
    path = notifications.optout_path(user, KIND)
    client = Client()
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get("/benachrichtigungen/abbestellen/abc/").status_code == 404
    user.is_active = False
    user.save()
    assert client.get(path).status_code == 404


def test_declined_users_are_left_out_of_a_queryset(django_user_model):
    first = django_user_model.objects.create_user("a")
    django_user_model.objects.create_user("b")
    notifications.preference_set(user=first, kind=KIND, wants=False)
    assert list(
        notifications.exclude_declined(django_user_model.objects.filter(username__in=["a", "b"]), KIND).values_list(
            "username", flat=True
        )
    ) == ["b"]
