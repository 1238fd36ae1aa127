"""Declared settings: one schema per transport and per parser family, and their union."""

import pytest

from smdr.parsers import PARSERS
from smdr.schema import COMMON, Kind, Schema, Setting, SettingsError
from smdr.source_settings import settings_schema
from smdr.transports import TRANSPORT_SCHEMAS


def refusal(schema: Schema, settings: dict) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        schema.validate(settings)
    return caught.value


def test_an_unknown_key_is_refused_with_the_known_ones():
    error = refusal(settings_schema("tcp-client", "mitel-5000"), {"host": "pbx", "prot": 1})

    assert error.key == "prot"
    assert str(error).startswith("unknown key 'prot'; known: host, port, password, ")
    assert "clock_tolerance_minutes" in str(error)  # the family's options are known too
    assert "time_zone" in str(error)


def test_a_tcp_client_without_port_is_refused():
    error = refusal(settings_schema("tcp-client", "mitel-5000"), {"host": "10.0.0.5"})

    assert error.key == "port"
    assert str(error) == "port: required (TCP port.)"


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ({"host": "pbx", "port": "x"}, "port", "port: 'x' is not a whole number from 1 to 65535"),
        ({"host": "pbx", "port": 70000}, "port", "is not a whole number from 1 to 65535"),
        ({"host": "pbx", "port": True}, "port", "is not a whole number"),
        ({"host": 5, "port": 1}, "host", "host: 5 is not text"),
        ({"host": "p", "port": 1, "time_zone": "Mars/Base"}, "time_zone", "not a known zone"),
        ({"host": "p", "port": 1, "reconnect_max": float("nan")}, "reconnect_max", "a number"),
    ],
)
def test_a_wrong_kind_names_the_key(settings, key, message):
    error = refusal(settings_schema("tcp-client", "panasonic"), settings)

    assert error.key == key
    assert message in str(error)


def test_numbers_written_as_text_are_still_accepted():
    # transport_from_settings has always read int(settings["port"]).
    assert settings_schema("tcp-server", "3cx").validate({"port": "1752"}) == {"port": "1752"}


@pytest.mark.parametrize(
    ("family", "settings", "key"),
    [
        ("siemens-hipath", {"layout": "sideways"}, "layout"),
        ("mitel-mivb", {"meter_pulses": "maybe"}, "meter_pulses"),
        ("panasonic", {"date_order": "yyy"}, "date_order"),
        ("asterisk-csv", {"internal_contexts": "from-internal"}, "internal_contexts"),
        ("nec", {"clock_tolerance_minutes": 721}, "clock_tolerance_minutes"),
        ("generic", {}, "column_map"),
        ("generic", {"column_map": [1]}, "column_map"),
        ("mitel-5000", {"layout": "printer"}, "layout"),  # another family's option
    ],
)
def test_each_family_checks_its_options(family, settings, key):
    assert refusal(settings_schema("agent", family), settings).key == key


@pytest.mark.parametrize(
    ("family", "settings"),
    [
        ("asterisk-csv", {"usegmtime": "yes", "max_extension_digits": 4}),
        ("freeswitch-csv", {"template": '"${caller_id_number}","${start_stamp}"'}),
        ("freeswitch-csv", {"template": ["caller_id_number", "start_stamp"]}),
        ("siemens-hipath", {"layout": "long", "ring_notices": True}),
        ("avaya-cm", {"layout": "Expanded"}),
        ("mitel-5000", {"call_types": {"ACD": "incoming"}, "clock_tolerance_minutes": 10}),
    ],
)
def test_valid_options_pass_unchanged(family, settings):
    assert settings_schema("agent", family).validate(settings) == settings


def test_every_transport_and_family_has_a_schema_with_help():
    for transport, declared in TRANSPORT_SCHEMAS.items():
        for family in PARSERS:
            combined = settings_schema(transport, family)
            assert set(declared.keys()) <= set(combined.keys())
            assert set(COMMON.keys()) <= set(combined.keys())
            assert all(setting.help for setting in combined.settings), (transport, family)


def test_null_means_the_default_and_a_partial_check_skips_required_keys():
    schema = settings_schema("serial", "nec")

    assert schema.validate({"device": "/dev/ttyS0", "baud": None})
    assert schema.validate({}, partial=True) == {}
    assert refusal(schema, {}).key == "device"


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown kind"):
        Setting("x", "colour")


def test_union_keeps_the_first_declaration():
    first = Schema((Setting("a", Kind.INT, 1, "one"),))
    second = Schema((Setting("a", Kind.TEXT, "", "two"), Setting("b", Kind.BOOL, False, "b")))

    union = first | second

    assert union.keys() == ("a", "b")
    assert union.get("a").help == "one"
