"""Factories for test data (factory_boy)."""

import factory
from django.contrib.auth import get_user_model

from capture.models import PbxFamily, Source, Transport
from org.models import Department, Extension, Site
from rating.models import RatePlan


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class RatePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatePlan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    currency = "ARS"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    time_zone = "America/Argentina/Cordoba"
    country_code = "54"
    area_code = "351"
    national_prefix = "0"
    international_prefix = "00"
    access_codes = factory.LazyFunction(lambda: ["0"])
    currency = "ARS"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n:03d}")


class ExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Extension

    site = factory.SubFactory(SiteFactory)
    number = factory.Sequence(lambda n: str(4000 + n))
    department = factory.SubFactory(DepartmentFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    site = factory.SubFactory(SiteFactory)
    slug = factory.Sequence(lambda n: f"source-{n}")
    name = factory.Sequence(lambda n: f"Source {n}")
    family = PbxFamily.AVAYA_IPOFFICE
    transport = Transport.AGENT
