"""The agent against a real centre that says no: a refused key stops uploading without
losing anything, and a record the centre rejects is set aside with its message."""

import datetime as dt
import sqlite3

import pytest

from capture.selectors import SeqGap, source_seq_gaps
from capture.services import source_rotate_key
from smdr.agent.spool import Spool
from tests.factories import SourceFactory
from tests.smdr.agent.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
RECORDS = 200


def test_refused_key_stops_uploading_until_the_key_is_fixed(
    centre, make_agent, pbx_factory, agent_source
):
    """401 (unknown key), then 403 (another source's key): uploading stops, says why,
    keeps every record; once key_file holds the right key, everything goes up once."""
    source, right_key = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=2000, limit=RECORDS, seed=8)
    agent = make_agent(centre.url, key="not-a-key").configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port},
        upload={"refused_retry": 0.2},
    )
    centre.start()
    agent.start()
    wait_until(lambda: agent.figures()["stored"] == RECORDS, what="records spooled")
    unknown = wait_until(lambda: halted(agent, "(401"), what="the 401 reported")
    shown = agent.command("status")

    agent.key_path.write_text(source_rotate_key(source=SourceFactory(slug="another-site")))
    other = wait_until(lambda: halted(agent, "(403"), what="the 403 reported")
    agent.key_path.write_text(right_key)
    wait_until(lambda: agent.figures()["unsent"] == 0, what="the upload after the fix")

    assert unknown["unsent"] == RECORDS
    assert (
        "refused the key for source 'remote-site' (401: Invalid token.)"
        in (unknown["uploading_halted"])
    )
    assert shown.returncode == 1
    assert "UPLOADING STOPPED: the centre refused the key" in shown.stdout
    assert "overall        NEEDS ATTENTION" in shown.stdout
    assert other["unsent"] == RECORDS
    assert "belongs to source 'another-site'" in other["uploading_halted"]
    assert source.raw_records.count() == RECORDS
    assert agent.status()[1]["uploading_halted"] is None


def halted(agent, reason: str) -> dict | None:
    _, status = agent.status()
    return status if reason in (status["uploading_halted"] or "") else None


def test_rejected_record_is_a_dead_letter_and_the_rest_goes_up(centre, make_agent, agent_source):
    """A spooled record the centre cannot take (its receipt time was damaged on disk)
    is moved to the dead letters with the centre's message; the others are stored, and
    the centre shows the hole in the sequence."""
    source, _ = agent_source
    agent = make_agent(centre.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": 9}  # no PBX here
    )
    with Spool(agent.spool_path) as spool:
        last = spool.append([f"record {n}".encode() for n in range(5)], dt.datetime.now(dt.UTC))
    with sqlite3.connect(agent.spool_path) as db:
        db.execute("UPDATE record SET received_at = 'yesterday' WHERE seq = ?", (last - 2,))
    centre.start()
    agent.start()

    wait_until(
        lambda: agent.figures()["unsent"] == 0 and agent.figures()["dead_letters"] == 1,
        what="the upload",
    )
    code, status = agent.status()

    assert sorted(source.raw_records.values_list("line", flat=True)) == [
        "record 0",
        "record 1",
        "record 3",
        "record 4",
    ]
    assert code == 1
    assert status["dead_letters"] == 1
    [letter] = status["latest_dead_letters"]
    assert letter["seq"] == last - 2
    assert letter["error"].startswith("received_at: received_at 'yesterday' is not ISO 8601")
    assert source_seq_gaps(source_id=source.id) == [SeqGap(last - 2, last - 2)]
