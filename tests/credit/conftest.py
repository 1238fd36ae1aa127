"""Prepaid credit fixtures: a Córdoba site, a retail plan with worked-example rates,
and accounts on it.

The plan (prices chosen so hand computations stay readable):

=========  ==================  ========  =====  ==========  =======
prefix     destination         per min   fee    increments  minimum
=========  ==================  ========  =====  ==========  =======
54351      Córdoba             6.00      0      60/60       0
549351     Córdoba mobiles     15.00     0.50   30/1        0
1          United States       45.00     0      60/6        50.00
54800      Toll-free           0         0      1/1         0
=========  ==================  ========  =====  ==========  =======

Dialled from the site (outside-line code 0): ``04123456`` is Córdoba,
``0155123456`` a Córdoba mobile, ``000112125550100`` the United States, ``0911``
an emergency call, ``00044201234567`` the United Kingdom (no rate).
"""

import datetime as dt
from decimal import Decimal

import factory
import pytest
from rest_framework.authtoken.models import Token

from credit.models import Account
from rating import services as rating_services
from rating.models import Destination, Rate, RatePlan
from tests.factories import RatePlanFactory, SiteFactory, UserFactory

LOCAL = "04123456"
MOBILE = "0155123456"
US = "000112125550100"
EMERGENCY = "0911"
NO_RATE = "00044201234567"

RATES = [
    ("54351", "Córdoba", "local", "6.00", "0", 60, 60, "0"),
    ("549351", "Córdoba mobiles", "mobile", "15.00", "0.50", 30, 1, "0"),
    ("1", "United States", "international", "45.00", "0", 60, 6, "50.00"),
    ("54800", "Toll-free", "toll-free", "0", "0", 1, 1, "0"),
]


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"{7000 + n}")
    holder = factory.Sequence(lambda n: f"Booth {n}")
    site = factory.SubFactory(SiteFactory)
    rate_plan = factory.SubFactory(RatePlanFactory)


@pytest.fixture(autouse=True)
def _fresh_tariffs():
    """Tariffs are cached per plan id; test databases reuse ids, so start clean."""
    rating_services._tariffs.clear()
    yield
    rating_services._tariffs.clear()


def build_plan(slug="prepaid-retail") -> RatePlan:
    plan = RatePlanFactory(slug=slug, name="Prepaid retail", currency="ARS")
    for prefix, name, category, price, fee, initial, step, minimum in RATES:
        destination = Destination.objects.create(
            plan=plan, prefix=prefix, name=name, category=category
        )
        Rate.objects.create(
            plan=plan,
            destination=destination,
            price_per_minute=Decimal(price),
            connection_fee=Decimal(fee),
            initial_seconds=initial,
            increment_seconds=step,
            minimum_charge=Decimal(minimum),
            valid_from=dt.date(2020, 1, 1),
        )
    RatePlan.bump_version(plan.pk)
    return plan


@pytest.fixture
def plan(db):
    return build_plan()


@pytest.fixture
def site(plan):
    return SiteFactory(slug="cordoba-prepaid", rate_plan=None)


@pytest.fixture
def account(site, plan):
    """An account with 10.00 ARS: one minute of a local call (6.00), not two."""
    from credit.services import account_top_up

    account = AccountFactory(code="1001", holder="Residence room 1", site=site, rate_plan=plan)
    account_top_up(account_id=account.pk, amount=Decimal("10.00"), note="opening")
    account.refresh_from_db()
    return account


@pytest.fixture
def asterisk_user(db):
    """A service user holding only credit.authorize_calls, as an Asterisk server would."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="asterisk-1")
    user.user_permissions.add(Permission.objects.get(codename="authorize_calls"))
    return user


@pytest.fixture
def asterisk_token(asterisk_user):
    return Token.objects.create(user=asterisk_user).key
