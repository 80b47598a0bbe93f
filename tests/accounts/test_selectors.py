"""For which Verwaltungen may a user act? Members with role "meldend", staff with the permission, superusers."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import selectors
from accounts.models import VerwaltungMembership
from organisations.models import Organisation
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    AmtsfreieGemeindeFactory,
    KreisFactory,
    KreisfreieStadtFactory,
)

from .factories import StaffUserFactory, UserFactory, VerwaltungMembershipFactory, grant_act_for_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def verwaltungen():
    """Two Kreise, an Amt in each, a kreisfreie Stadt and an amtsfreie Gemeinde: 6 Verwaltungen, and a Gemeinde
    and the Land, which are not Verwaltungen."""
    kreis_a, kreis_b = KreisFactory(), KreisFactory()
    amt_a, amt_b = AmtFactory(kreis=kreis_a), AmtFactory(kreis=kreis_b)
    stadt = KreisfreieStadtFactory()
    amtsfrei = AmtsfreieGemeindeFactory(kreis=kreis_a)
    AmtsangehoerigeGemeindeFactory(amt=amt_a)
    return {
        "kreis_a": kreis_a,
        "kreis_b": kreis_b,
        "amt_a": amt_a,
        "amt_b": amt_b,
        "stadt": stadt,
        "amtsfrei": amtsfrei,
    }


def test_member_acts_for_own_verwaltungen_only(verwaltungen, django_assert_num_queries):
    user = UserFactory()
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["amt_a"])
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["stadt"])
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["kreis_b"], role=VerwaltungMembership.Role.LESEND)
    VerwaltungMembershipFactory(organisation=verwaltungen["amt_b"])  # someone else's
    with django_assert_num_queries(1):
        ids = selectors.verwaltung_ids_for(user)
        # cached on the user for the request: asking again, or per item, costs nothing
        assert selectors.user_may_act_for(user, verwaltungen["amt_a"])
        assert selectors.user_may_act_for(user, verwaltungen["stadt"].pk)
        assert not selectors.user_may_act_for(user, verwaltungen["amt_b"])
        assert not selectors.user_may_act_for(user, verwaltungen["kreis_b"])  # "lesend" does not write
        assert not selectors.user_may_act_for(user, None)
    assert ids == {verwaltungen["amt_a"].pk, verwaltungen["stadt"].pk}


def test_refresh_after_a_membership_change(verwaltungen):
    user = UserFactory()
    assert selectors.verwaltung_ids_for(user) == set()
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["amt_b"])
    assert selectors.verwaltung_ids_for(user) == set()  # cached
    assert selectors.verwaltung_ids_for(user, refresh=True) == {verwaltungen["amt_b"].pk}


def test_plain_user_acts_for_nothing(verwaltungen):
    assert selectors.verwaltung_ids_for(UserFactory()) == set()
    assert selectors.verwaltung_ids_for(StaffUserFactory()) == set()  # staff alone is not enough
    assert selectors.verwaltung_ids_for(AnonymousUser()) == set()
    assert selectors.verwaltung_ids_for(None) == set()
    assert not selectors.user_may_act_for(AnonymousUser(), verwaltungen["amt_a"])


def test_staff_with_permission_acts_for_every_verwaltung_and_the_land(verwaltungen):
    staff = grant_act_for_all(StaffUserFactory())
    all_ids = set(Organisation.objects.verwaltungen().values_list("pk", flat=True))
    land = Organisation.objects.get(kind=Organisation.Kind.LAND)
    assert len(all_ids) == 6
    assert selectors.verwaltung_ids_for(staff) == all_ids | {land.pk}
    assert selectors.user_may_act_for(staff, land)  # the Land reports its own services (group Monitoring)
    gemeinde = Organisation.objects.get(kind=Organisation.Kind.AMTSANGEHOERIGE_GEMEINDE)
    assert not selectors.user_may_act_for(staff, gemeinde)  # its Amt reports for it
    assert selectors.acts_for_all_verwaltungen(staff)


def test_permission_without_staff_status_is_not_enough(verwaltungen):
    user = grant_act_for_all(UserFactory())
    assert selectors.verwaltung_ids_for(user) == set()


def test_superuser_acts_for_every_verwaltung(verwaltungen):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert len(selectors.verwaltung_ids_for(superuser)) == 7  # and the Land


def test_inactive_member_acts_for_nothing(verwaltungen):
    membership = VerwaltungMembershipFactory(organisation=verwaltungen["amt_a"], user=UserFactory(is_active=False))
    assert selectors.verwaltung_ids_for(membership.user) == set()
    inactive_superuser = UserFactory(is_superuser=True, is_staff=True, is_active=False)
    assert selectors.verwaltung_ids_for(inactive_superuser) == set()


def test_member_verwaltung_ids_include_reading_roles(verwaltungen):
    user = UserFactory()
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["amt_a"])
    VerwaltungMembershipFactory(user=user, organisation=verwaltungen["kreis_b"], role=VerwaltungMembership.Role.LESEND)
    assert selectors.member_verwaltung_ids_for(user) == {verwaltungen["amt_a"].pk, verwaltungen["kreis_b"].pk}
    assert selectors.member_verwaltung_ids_for(grant_act_for_all(StaffUserFactory())) is None  # all
    assert selectors.member_verwaltung_ids_for(AnonymousUser()) == set()


def test_memberships_for_has_a_fixed_query_count(verwaltungen, django_assert_num_queries):
    user = UserFactory()
    for key in ("amt_a", "amt_b", "stadt", "kreis_a"):
        VerwaltungMembershipFactory(user=user, organisation=verwaltungen[key])
    with django_assert_num_queries(1):
        rows = [(m.organisation.name, m.organisation.kreis.name) for m in selectors.memberships_for(user)]
    assert len(rows) == 4
