"""ApiTokenAuthentication and the project's permission policy end to end, through a tiny test-only DRF API.

This module is its own URLconf (`pytestmark` below): `/probe/` answers who is authenticated, `/verwaltungen/<pk>/`
stands for a write on one Verwaltung's data.
"""

import datetime

import pytest
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import ApiTokenAuthentication
from accounts.authorization import verwaltung_scope
from accounts.models import ApiToken
from common.authorization import Rule
from itvsh_portal.permissions import PortalPolicy
from organisations.models import Organisation
from tests.organisations.factories import AmtFactory

from .factories import (
    StaffUserFactory,
    UserFactory,
    VerwaltungMembershipFactory,
    grant_act_for_all,
    issue_token,
    role_user,
)


class ProbeView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [*PortalPolicy.default(), IsAuthenticated]
    write_rules = {"post": Rule(action="Probe schreiben")}

    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response({"user": request.user.username, "token": token.name if token else None})

    def post(self, request):
        return Response({"written": True}, status=201)


class VerwaltungWriteView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    write_rules = {"patch": Rule(action="Website ändern", scope=verwaltung_scope(lambda verwaltung: verwaltung.pk))}

    def get_object(self, pk):
        verwaltung = get_object_or_404(Organisation.objects.verwaltungen(), pk=pk)
        self.check_object_permissions(self.request, verwaltung)
        return verwaltung

    def get(self, request, pk):
        return Response({"name": self.get_object(pk).name})

    def patch(self, request, pk):
        verwaltung = self.get_object(pk)
        verwaltung.website = request.data["website"]
        verwaltung.save(update_fields=["website"])
        return Response({"website": verwaltung.website})


urlpatterns = [
    path("probe/", ProbeView.as_view()),
    path("verwaltungen/<int:pk>/", VerwaltungWriteView.as_view()),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def auth(key, keyword="Token"):
    return {"HTTP_AUTHORIZATION": f"{keyword} {key}"}


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_valid_token_authenticates_its_user(client, keyword):
    token, key = issue_token(UserFactory(username="amt-huettener-berge"), name="Fachverfahren")
    response = client.get("/probe/", **auth(key, keyword))
    assert response.status_code == 200
    assert response.json() == {"user": "amt-huettener-berge", "token": "Fachverfahren"}


def test_authenticate_returns_user_and_token():
    token, key = issue_token()
    request = APIRequestFactory().get("/probe/", **auth(key))
    user, auth_token = ApiTokenAuthentication().authenticate(request)
    assert (user, auth_token) == (token.user, token)


def assert_401(response, message, code):
    assert response.status_code == 401
    assert response.json() == {"detail": message}
    assert response.data["detail"].code == code
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_unknown_token_is_401(client):
    issue_token()
    assert_401(client.get("/probe/", **auth("x" * 43)), "Token ungültig.", "token_invalid")


def test_revoked_token_is_401_with_message(client):
    token, key = issue_token()
    services.api_token_revoke(token=token, by=role_user("Administration"))
    assert_401(client.get("/probe/", **auth(key)), "Token widerrufen.", "token_revoked")


def test_expired_token_is_401_with_message(client):
    token, key = issue_token(expires_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get("/probe/", **auth(key)).status_code == 200
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(created_at=past - datetime.timedelta(days=1), expires_at=past)
    assert_401(client.get("/probe/", **auth(key)), "Token abgelaufen.", "token_expired")


def test_token_of_inactive_user_is_401(client):
    token, key = issue_token()
    token.user.is_active = False
    token.user.save()
    assert_401(
        client.get("/probe/", **auth(key)), "Token ungültig: das Benutzerkonto ist deaktiviert.", "token_invalid"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "Token ungültig: im Authorization-Header fehlt der Schlüssel."),
        ("Bearer a b", "Token ungültig: der Schlüssel darf keine Leerzeichen enthalten."),
        ("Token schlüssel".encode().decode("latin-1"), "Token ungültig: der Schlüssel enthält unzulässige Zeichen."),
    ],
)
def test_malformed_header_is_401(client, header, message):
    assert_401(client.get("/probe/", HTTP_AUTHORIZATION=header), message, "token_invalid")


def test_other_schemes_are_left_to_other_authentication(client):
    response = client.get("/probe/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert response.json()["detail"] == "Anmeldedaten fehlen."  # DRF's not-authenticated, not our message
    assert client.get("/probe/").status_code == 401


def test_read_only_token_may_read_but_not_write(client):
    _, key = issue_token(scope=ApiToken.Scope.READ)
    assert client.get("/probe/", **auth(key)).status_code == 200
    response = client.post("/probe/", {}, content_type="application/json", **auth(key))
    assert response.status_code == 403
    assert "nur lesen" in response.json()["detail"]


def test_read_write_token_may_write(client):
    _, key = issue_token(scope=ApiToken.Scope.READ_WRITE)
    response = client.post("/probe/", {}, content_type="application/json", **auth(key))
    assert response.status_code == 201


def test_session_users_are_not_limited_by_token_scope(client, verified_login):
    user = UserFactory()
    verified_login(client, user)
    response = client.post("/probe/", {}, content_type="application/json")
    assert response.status_code == 201  # the test client skips CSRF; the token scope does not apply


def test_session_without_second_factor_counts_as_anonymous_outside_the_admin(client):
    client.force_login(UserFactory(is_staff=True))  # password only, second factor not passed
    response = client.post("/probe/", {}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_last_used_at_is_recorded_at_most_once_a_minute(client, django_assert_num_queries):
    token, key = issue_token()
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # SELECT token+user, UPDATE last_used_at
        assert client.get("/probe/", **auth(key)).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None and timezone.now() - first_use < datetime.timedelta(seconds=5)
    with django_assert_num_queries(1):  # within the minute: no write
        assert client.get("/probe/", **auth(key)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first_use
    a_minute_ago = timezone.now() - datetime.timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_minute_ago)
    with django_assert_num_queries(2):
        assert client.get("/probe/", **auth(key)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_refused_tokens_are_not_marked_used(client):
    token, key = issue_token()
    services.api_token_revoke(token=token, by=token.user)
    client.get("/probe/", **auth(key))
    token.refresh_from_db()
    assert token.last_used_at is None


def patch_website(client, verwaltung, key):
    return client.patch(
        f"/verwaltungen/{verwaltung.pk}/",
        {"website": "https://amt.example/"},
        content_type="application/json",
        **auth(key),
    )


def test_member_token_writes_for_own_verwaltung_only(client):
    own, other = AmtFactory(), AmtFactory()
    membership = VerwaltungMembershipFactory(organisation=own)
    _, key = issue_token(membership.user)
    assert patch_website(client, own, key).status_code == 200
    response = patch_website(client, other, key)
    assert response.status_code == 403
    assert response.json()["detail"] == "Sie dürfen nur für die Verwaltungen schreiben, an die Ihr Konto gebunden ist."
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.website, other.website) == ("https://amt.example/", "")
    assert client.get(f"/verwaltungen/{other.pk}/", **auth(key)).status_code == 200  # reading is allowed


def test_read_only_member_token_cannot_write_for_own_verwaltung(client):
    own = AmtFactory()
    membership = VerwaltungMembershipFactory(organisation=own)
    _, key = issue_token(membership.user, scope=ApiToken.Scope.READ)
    assert patch_website(client, own, key).status_code == 403
    own.refresh_from_db()
    assert own.website == ""


def test_staff_token_with_permission_writes_for_any_verwaltung(client):
    staff = grant_act_for_all(StaffUserFactory())
    _, key = issue_token(staff)
    assert patch_website(client, AmtFactory(), key).status_code == 200
    _, plain_key = issue_token(UserFactory())
    assert patch_website(client, AmtFactory(), plain_key).status_code == 403


def test_anonymous_write_is_401(client):
    response = client.patch(
        f"/verwaltungen/{AmtFactory().pk}/", {"website": "https://x.example/"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_openapi_schema_describes_the_token_scheme():
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {"apiToken": []} in schema["paths"]["/probe/"]["post"]["security"]
