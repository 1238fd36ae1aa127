"""The family chooser: real sample files and every simulator's records rank their own
family first; garbage ranks none; a family registered later is a candidate with no
change to the chooser."""

import datetime as dt
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from pbxsim import GENERATORS
from smdr.chooser import candidates, rank
from smdr.parsers import PARSERS, ParsedCall, Parser, ParserSettings, RecordError
from smdr.preview import lines_preview
from smdr.schema import Kind, Setting, schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ROOTS = (ROOT / "tests" / "data", Path("/work/shared/samples"))
# Sample directories not named by their family id.
DIRECTORY_FAMILIES = {
    "asterisk": "asterisk-csv",
    "freeswitch": "freeswitch-csv",
    "nec-neax-ims": "nec-neax",
    "capturador": "star-hash",
}
ZONE = ZoneInfo("America/Argentina/Cordoba")
NOW = dt.datetime(2026, 10, 5, 15, tzinfo=dt.UTC)
EXTENSIONS = [str(2000 + number) for number in range(40)]


def sample_files():
    """(family, file) for every record file under the sample roots whose directory
    names a registered family."""
    found = []
    for root in SAMPLE_ROOTS:
        for path in sorted(root.glob("*/*")):
            family = DIRECTORY_FAMILIES.get(path.parent.name, path.parent.name)
            if family in PARSERS and path.suffix != ".md":
                found.append(
                    pytest.param(family, path, id=f"{root.name}/{path.parent.name}/{path.name}")
                )
    return found


def lines_of(path):
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def calls_read(family, lines):
    parser = PARSERS[family](ParserSettings(time_zone=ZONE))
    entries = lines_preview(parser, lines, zone=ZONE, received_at=NOW)
    return sum(entry["outcome"] == "call" for entry in entries)


@pytest.mark.parametrize(("family", "path"), sample_files())
def test_a_real_sample_ranks_its_family_first(family, path):
    lines = lines_of(path)

    ranked = rank(lines, zone=ZONE, received_at=NOW)

    if calls_read(family, lines):
        assert ranked[0].family == family, [(item.family, item.score) for item in ranked[:3]]
        assert ranked[0].settings == {}  # the defaults read it: no variant beats them
        assert ranked[0].sample_call is not None
    else:  # a header only (Cisco, Panasonic): no family reads a call from it
        assert ranked == []


@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_a_simulators_records_rank_their_family_first(family):
    start, end = NOW - dt.timedelta(days=2), NOW
    records = GENERATORS[family](
        count=150, start=start, end=end, extensions=EXTENSIONS, time_zone=ZONE, seed=18
    )
    lines = [line for record in records for line in record.splitlines() if line.strip()]

    ranked = rank(lines, zone=ZONE, received_at=NOW)

    best = ranked[0]
    assert best.family == family, [(item.family, item.score) for item in ranked[:3]]
    assert best.calls >= 135  # of 150 records (a family may split or join records)
    others = [item for item in ranked if item.family != family]
    assert all(item.score < best.score for item in others)


def test_every_registered_family_is_a_candidate_with_its_choices():
    found = candidates()

    assert {candidate.family for candidate in found} == set(PARSERS)
    hipath = [dict(item.settings) for item in found if item.family == "siemens-hipath"]
    layout = PARSERS["siemens-hipath"].options.get("layout")
    assert hipath[0] == {}
    assert {item["layout"] for item in hipath[1:]} == set(layout.choices) - {layout.default}


def test_garbage_ranks_no_family():
    garbage = [
        "Dec  7 22:58:31 pbx kernel: eth0: link up, 100Mbps, full-duplex",
        "<html><body>404 Not Found</body></html>",
        "\x00\x01\x02\xff garbage \x1b[2J",
        "lorem ipsum dolor sit amet, consectetur adipiscing elit",
        "",
    ] * 20

    assert rank(garbage, zone=ZONE, received_at=NOW) == []


def test_no_lines_rank_no_family():
    assert rank([], zone=ZONE, received_at=NOW) == []


class _ToyParser(Parser):
    """A family of "HH:MM EXT NUMBER SECONDS" lines, registered by the test only."""

    family = "toy-pbx"
    label = "Toy"
    options: ClassVar = schema(
        Setting("unit", Kind.CHOICE, "seconds", "", ("seconds", "minutes")),
    )

    def parse(self, text, received_at=None):
        parts = text.split()
        if len(parts) != 4 or parts[0] != "TOY":
            raise RecordError("not a toy record")
        extension, number, length = parts[1:]
        factor = 60 if (self.settings.options or {}).get("unit") == "minutes" else 1
        return ParsedCall(
            start=received_at or NOW,
            duration_seconds=int(length) * factor,
            ring_seconds=0,
            direction="outgoing",
            extension=extension,
            number=number,
        )


def test_a_family_registered_later_is_ranked_with_its_options(monkeypatch):
    monkeypatch.setitem(PARSERS, "toy-pbx", _ToyParser)
    lines = ["TOY 2001 0351456789 65", "TOY 2002 0114567890 1200"]

    ranked = rank(lines, zone=ZONE, received_at=NOW)

    assert [(item.family, item.settings) for item in ranked[:2]] == [
        ("toy-pbx", {}),
        ("toy-pbx", {"unit": "minutes"}),  # 20 hours: less plausible
    ]
    assert ranked[0].calls == 2 and ranked[0].errors == 0
    assert ranked[1].score < ranked[0].score


def test_errors_are_counted_and_the_first_is_named():
    good = lines_of(ROOT / "tests" / "data" / "3cx" / "cdr.csv")
    broken = good[0].replace("2020/05/04 10:53:43", "2020/13/04 10:53:43", 1)

    best = rank([*good, broken, "historyid,callid,duration"], zone=ZONE, received_at=NOW)[0]

    assert (best.family, best.calls, best.errors, best.noise) == ("3cx", 5, 1, 1)
    assert best.first_error.startswith("line 6: field 4 (time_start): '2020/13/04 10:53:43'")
