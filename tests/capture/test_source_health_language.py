"""The source health e-mail in each administrator's language: one e-mail per language,
to the administrators who read it (their profile's, else LANGUAGE_CODE)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Profile
from capture.models import CaptureState, Source
from capture.services import sources_health_notify
from tests.factories import AdminFactory, SourceFactory

pytestmark = pytest.mark.django_db


def administrator(email, language=None):
    user = AdminFactory(email=email)
    if language:
        Profile.objects.create(user=user, language=language)
    return user


def test_each_administrator_is_written_to_in_their_language():
    administrator("ana@example.org", "es-ar")
    administrator("beto@example.org", "es-ar")
    administrator("joao@example.org", "pt-br")
    administrator("kim@example.org")  # no profile: LANGUAGE_CODE, English
    source = SourceFactory(
        slug="hq",
        transport="tcp-client",
        settings={"host": "127.0.0.1", "port": 1},
        capture_state=CaptureState.ERROR,
        capture_error="connection refused",
    )

    assert sources_health_notify() == 3

    by_recipients = {tuple(message.to): message for message in mail.outbox}
    spanish = by_recipients[("ana@example.org", "beto@example.org")]
    portuguese = by_recipients[("joao@example.org",)]
    english = by_recipients[("kim@example.org",)]
    assert spanish.subject == "Tarificador: la fuente hq está con error"
    assert "La fuente hq (sede" in spanish.body and "Error: connection refused" in spanish.body
    assert portuguese.subject == "Tarificador: a fonte hq está com erro"
    assert (
        "A fonte hq (unidade" in portuguese.body and "Erro: connection refused" in portuguese.body
    )
    assert english.subject == "Tarificador: source hq is error"
    assert "Source hq (site" in english.body

    Source.objects.filter(pk=source.pk).update(
        capture_state=CaptureState.CAPTURING, last_seen_at=timezone.now()
    )
    sources_health_notify(timezone.now() + dt.timedelta(minutes=16))

    recovered = {tuple(message.to): message.subject for message in mail.outbox[3:]}
    assert recovered[("joao@example.org",)] == "Tarificador: a fonte hq se recuperou (capturando)"
    assert recovered[("ana@example.org", "beto@example.org")] == (
        "Tarificador: la fuente hq se recuperó (capturando)"
    )
