"""factory_boy factories for the funding app."""

import datetime
from decimal import Decimal
from importlib import import_module

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from funding.models import BudgetLine, Drawdown, FundingSource, InKindContribution, Purpose
from organisations.models import Organisation
from tests.organisations.factories import LandFactory, NonTerritorialFactory

FINANCE_PERMISSIONS = [
    "add_drawdown",
    "change_drawdown",
    "view_drawdown",
    "review_drawdown",
    "approve_drawdown",
    "pay_drawdown",
    "view_budgetline",
    "change_budgetline",
    "add_budgetline",
]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@itvsh.example")
    is_staff = True


def finance_user(**kwargs):
    """A staff member holding every funding permission (what the group „Finanzen“ grants)."""
    user = UserFactory(**kwargs)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="funding", codename__in=FINANCE_PERMISSIONS)
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def itvsh():
    return NonTerritorialFactory(
        kind=Organisation.Kind.ANSTALT, slug="itvsh", name="IT-Verbund Schleswig-Holstein", short_name="ITV.SH"
    )


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource
        django_get_or_create = ("slug",)

    slug = "land"
    name = "Land Schleswig-Holstein"
    kind = FundingSource.Kind.LAND
    body = factory.LazyFunction(LandFactory)


def ensure_seed_data():
    """Purposes and collective sources come from a data migration; transactional tests flush them, so
    re-create them the same way."""
    if not Purpose.objects.exists():
        import_module("funding.migrations.0002_seed_purposes_and_sources").seed(apps, None)


def purpose(slug="ozg-umsetzung-basisdienste"):
    ensure_seed_data()
    return Purpose.objects.get(slug=slug)


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    title = factory.Sequence(lambda n: f"Position {n}")
    source = factory.SubFactory(FundingSourceFactory)
    recipient = factory.LazyFunction(itvsh)
    fiscal_year = 2025
    purpose = factory.LazyFunction(purpose)
    planned_amount = Decimal("100000.00")
    status = BudgetLine.Status.ZUGESAGT


class DrawdownFactory(factory.django.DjangoModelFactory):
    """A drawdown created directly in a given status (with consistent people and dates); use the services to
    test transitions."""

    class Meta:
        model = Drawdown

    line = factory.SubFactory(BudgetLineFactory)
    amount = Decimal("1000.00")
    purpose_text = "Personal Geschäftsstelle"
    requested_on = datetime.date(2025, 3, 1)
    requested_by = factory.SubFactory(UserFactory)
    status = Drawdown.Status.BEANTRAGT
    approved_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in ("freigegeben", "ausgezahlt")),
        yes_declaration=factory.SubFactory(UserFactory),
        no_declaration=None,
    )
    paid_on = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status == "ausgezahlt"),
        yes_declaration=datetime.date(2025, 4, 1),
        no_declaration=None,
    )
    payment_reference = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status == "ausgezahlt"), yes_declaration="ZR-1", no_declaration=""
    )


class InKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InKindContribution

    kind = InKindContribution.Kind.ABORDNUNG
    title = "Abordnung"
    from_body = factory.LazyFunction(LandFactory)
    recipient = factory.LazyFunction(itvsh)
    people_count = 2


def agreement(slug="kooperationsvereinbarung-land-itvsh-2025", title="Kooperationsvereinbarung Land–ITV.SH (2025)"):
    """An agreement row of the cooperations app (tests may create one directly; the app code reads it only
    through cooperations' selectors)."""
    Agreement = apps.get_model("cooperations", "Agreement")
    obj, _ = Agreement.objects.get_or_create(slug=slug, defaults={"title": title, "kind": "kooperationsvereinbarung"})
    return obj
