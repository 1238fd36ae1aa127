"""Every parser checks its options when it is built, so a source with a bad setting is
refused when it is saved (Source.clean), not record by record afterwards."""

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from capture.models import Source
from smdr.parsers import PARSERS, ParserSettings, RecordError

# One bad setting per family, and the words its error must hold (the option's name).
BAD_OPTIONS = [
    ("mitel-5000", {"clock_tolerance_minutes": -1}, "option clock_tolerance_minutes"),
    ("mitel-mivb", {"clock": "25"}, "option clock"),
    ("asterisk-csv", {"usegmtime": "maybe"}, "option usegmtime"),
    ("freeswitch-csv", {"template": 5}, "template"),
    ("3cx", {"columns": "historyid"}, "columns"),
    ("avaya-cm", {"layout": "wide"}, "layout"),
    ("siemens-hipath", {"layout": "short"}, "option layout"),
    ("siemens-hipath", {"ring_notices": "yes"}, "option ring_notices"),
    ("panasonic", {"pattern": "D"}, "option pattern"),
    ("panasonic", {"date_order": "dym"}, "option date_order"),
    ("nec", {"clock_tolerance_minutes": "5"}, "option clock_tolerance_minutes"),
    ("cisco-cucm", {"voicemail_numbers": "8000"}, "option voicemail_numbers"),
    ("generic", {}, "column_map"),
    ("alcatel-omnipcx", {"variant": "oxo"}, "variant"),
    ("alcatel-omnipcx", {"fields": ["type", "date"]}, "option fields"),
    ("unify-openscape", {"separator": ";;"}, "option separator"),
    ("unify-openscape", {"columns": ["date", "time"]}, "option columns"),
    ("grandstream-ucm", {"columns": "AcctId"}, "columns"),
    ("grandstream-ucm", {"columns": ["src", "dst"]}, "option columns"),
    ("yeastar", {"variant": "k2"}, "variant"),
    ("avaya-cm", {"layout": "customized"}, "option fields"),
]
IDS = [f"{family}-{next(iter(options), 'none')}" for family, options, _ in BAD_OPTIONS]


@pytest.mark.parametrize(("family", "options", "named"), BAD_OPTIONS, ids=IDS)
def test_parser_constructor_refuses_a_bad_option(family, options, named):
    with pytest.raises(RecordError, match=named):
        PARSERS[family](ParserSettings(ZoneInfo("UTC"), options))


@pytest.mark.parametrize(("family", "options", "named"), BAD_OPTIONS, ids=IDS)
def test_source_clean_refuses_a_bad_option(family, options, named):
    source = Source(family=family, settings={"host": "10.0.0.5", "port": 4000, **options})
    with pytest.raises(ValidationError) as raised:
        source.clean()
    assert named in str(raised.value.message_dict["settings"])


@pytest.mark.parametrize(
    "family", ["panasonic", "siemens-hipath", "nec", "alcatel-omnipcx", "unify-openscape"]
)
def test_source_clean_accepts_good_options_and_transport_settings(family):
    """Transport settings share the dict with parser options and are left alone."""
    good = {
        "panasonic": {"pattern": "A", "date_order": "dmy"},
        "siemens-hipath": {"layout": "long", "ring_notices": True},
        "nec": {"clock_tolerance_minutes": 10},
        "alcatel-omnipcx": {
            "variant": "office",
            "fields": ["charged_user", "type", "line", "date", "time", "duration", "cost"],
            "widths": {"cost": 12},
            "date_order": "mdy",
        },
        "unify-openscape": {
            "variant": "hipath4000",
            "columns": ["date", "time", "duration", "extension", "", "direction"],
            "separator": "|",
            "time_is": "start",
        },
    }[family]
    Source(family=family, settings={"device": "/dev/ttyS0", "baud": 9600, **good}).clean()
