"""Each family's usual serial line is the default the admin offers, and what is opened."""

import pytest

from smdr.source_settings import settings_schema
from smdr.transports import transport_from_settings


def line_defaults(family, settings=None):
    schema = settings_schema("serial", family, settings)
    return tuple(schema.get(key).default for key in ("baud", "bytesize", "parity", "stopbits"))


@pytest.mark.parametrize(
    ("family", "settings", "line"),
    [
        ("ericsson-md110", None, (9600, 8, "N", 1)),
        ("alcatel-omnipcx", None, (9600, 8, "N", 1)),
        ("panasonic", None, (9600, 8, "N", 1)),
        ("panasonic", {"pattern": "80"}, (9600, 8, "N", 1)),
        ("panasonic", {"pattern": "78"}, (1200, 7, "E", 1)),
        ("mitel-5000", None, (9600, 8, "N", 1)),
        ("generic", None, (9600, 8, "N", 1)),
    ],
)
def test_settings_schema_offers_the_family_line(family, settings, line):
    assert line_defaults(family, settings) == line


def test_the_offered_defaults_are_what_the_port_opens_with():
    serial = transport_from_settings(
        "serial", "panasonic", {"device": "/dev/null", "pattern": "78"}
    )
    assert (serial.baud, serial.bytesize, serial.parity, serial.stopbits) == (1200, 7, "E", 1)
    chosen = transport_from_settings(
        "serial", "panasonic", {"device": "/dev/null", "pattern": "78", "baud": 9600}
    )
    assert chosen.baud == 9600
    assert chosen.parity == "E"


def test_other_transports_are_unchanged():
    assert settings_schema("tcp-client", "panasonic", {"pattern": "78"}).get("baud") is None
