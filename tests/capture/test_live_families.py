"""Every family over its live link: a simulated PBX with the family's login and
framing, captured over a real TCP socket, ends as one call per record."""

import pytest

from billing.models import Call
from capture.models import RawRecord, Transport
from pbxsim import GENERATORS
from pbxsim.pbx import SimulatedPbx
from tests.capture.test_live_capture import capture_until, free_port
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)
RECORDS = 60


@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_family_over_tcp(family):
    port = free_port()
    pbx = SimulatedPbx(family=family, rate=300, limit=RECORDS, password="s3cret", seed=3)
    source = SourceFactory(
        family=family,
        transport=Transport.TCP_CLIENT,
        settings={
            "host": "127.0.0.1",
            "port": port,
            "password": "s3cret",
            "reconnect_initial": 0.1,
        },
    )

    capture_until(
        [source],
        lambda: Call.objects.count() + RawRecord.objects.exclude(state="parsed").count() >= RECORDS,
        also=[pbx.serve("127.0.0.1", port)],
    )

    errors = list(RawRecord.objects.filter(state="error").values_list("error", "line")[:3])
    assert errors == []
    assert RawRecord.objects.count() == RECORDS
    assert Call.objects.count() == RECORDS - RawRecord.objects.filter(state="ignored").count()
    assert Call.objects.filter(answered=True).exists()
