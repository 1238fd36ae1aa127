"""Faults that must lose nothing: 10,000 records from a simulated PBX end as exactly
10,000 calls at a real centre, through outages, kills and dropped connections."""

import socket

import pytest

from tests.smdr.agent.conftest import (
    AnswerDroppingProxy,
    FileWritingPbx,
    centre_settled,
    generated_lines,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
RECORDS = 10_000


def assert_exactly_once(agent, source, expected=RECORDS):
    """Everything the agent spooled is at the centre once, byte for byte, as calls."""
    wait_until(
        lambda: agent.figures()["stored"] >= expected and agent.figures()["unsent"] == 0,
        what="the agent to upload everything",
    )
    settled = centre_settled(source, expected)
    spooled = agent.spooled()
    at_centre = dict(source.raw_records.values_list("seq", "line"))
    assert settled == {
        "raw_records": expected,
        "distinct_seqs": expected,
        "calls": expected,
        "not_parsed": 0,
        "expected": expected,
    }
    assert {seq: line.encode() for seq, line in at_centre.items()} == spooled


def test_centre_down_for_the_whole_capture_then_up(centre, make_agent, pbx_factory, agent_source):
    """The agent spools all 10,000 records while the centre is down and says so; once
    the centre is up, it uploads them all, once."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=5000, limit=RECORDS, seed=1)
    agent = make_agent(centre.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port}
    )
    agent.start()
    wait_until(lambda: agent.figures()["stored"] == RECORDS, what="10,000 records spooled")
    code, down = agent.status()

    centre.start()
    assert_exactly_once(agent, source)
    code_after, up = agent.status()

    assert pbx.pbx.sent == RECORDS
    assert code == 1
    assert down["unsent"] == RECORDS
    assert "centre unreachable" in down["last_error"]
    assert "refused" in down["last_error"].lower()
    assert code_after == 0
    assert up["unsent"] == 0
    assert up["uploaded_total"] == RECORDS


def test_centre_killed_in_the_middle_of_a_batch(centre, make_agent, pbx_factory, agent_source):
    """SIGKILL of the centre between storing a batch and answering: the agent hears
    nothing, sends the batch again to the restarted centre, which keeps it once."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=5000, limit=RECORDS, seed=2)
    centre.start()
    # The first answer never leaves: the centre is killed holding it.
    proxy = AnswerDroppingProxy(centre.port, drop=1, on_drop=centre.kill)
    agent = make_agent(proxy.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port},
        upload={"batch_size": 2500},
    )
    agent.start()

    wait_until(lambda: proxy.dropped == 1, what="the centre killed before it answered")
    unanswered = source.raw_records.count() - agent.figures()["sent_kept"]
    centre.start()
    assert_exactly_once(agent, source)
    _, status = agent.status()
    proxy.close()

    assert unanswered > 0
    assert status["duplicates_total"] >= 1  # the unanswered batch came back as duplicates


def test_agent_killed_while_writing(centre, make_agent, agent_source, tmp_path):
    """SIGKILL of the agent, three times, while it follows a file the PBX is writing
    (records split across writes): it resumes exactly after the last stored record."""
    source, _ = agent_source
    lines = generated_lines(RECORDS)
    cdr_file = tmp_path / "pbx" / "cdr.txt"
    writer = FileWritingPbx(cdr_file, lines)
    agent = make_agent(centre.url).configure(
        capture={"transport": "file", "path": str(cdr_file), "poll_seconds": 0.01}
    )
    centre.start()
    agent.start()
    writer.start()

    kills = 0
    for share in (0.2, 0.45, 0.7):
        wait_until(
            lambda share=share: agent.figures()["stored"] >= share * RECORDS,
            what=f"{share:.0%} of the file captured",
            every=0.01,
        )
        if writer.is_alive():
            agent.kill()
            kills += 1
            agent.start()
    writer.join()
    assert_exactly_once(agent, source)

    assert kills >= 2  # the writer was still writing at those kills
    assert sorted(source.raw_records.values_list("line", flat=True)) == sorted(lines)


def test_agent_killed_while_uploading(centre, make_agent, pbx_factory, agent_source):
    """SIGKILL of the agent while a batch is on its way: after a restart it sends the
    unanswered batch again, and the centre keeps one copy."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=5000, limit=RECORDS, seed=4)
    agent = make_agent(centre.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port},
        upload={"batch_size": 1000},
    )
    agent.start()
    wait_until(lambda: agent.figures()["stored"] == RECORDS, what="10,000 records spooled")
    centre.start()

    # The kill races the answer: the agent may read it between the look and the kill.
    # Each try takes the next batch (there are ten), so a few tries settle it.
    for _ in range(5):
        wait_until(
            lambda: (
                source.raw_records.count() > agent.figures()["sent_kept"]
                or agent.figures()["sent_kept"] == RECORDS
            ),
            what="a batch stored by the centre but not yet answered",
            every=0.002,
        )
        agent.kill()
        unanswered = source.raw_records.count() - agent.figures()["sent_kept"]
        agent.start()
        if unanswered > 0:
            break
    assert_exactly_once(agent, source)
    _, status = agent.status()

    assert unanswered > 0
    assert status["duplicates_total"] >= 1


def test_centre_unreachable_connect_times_out(centre, make_agent, pbx_factory, agent_source):
    """A centre that takes the connection but never answers (a listening socket that
    never accepts): each try times out, everything stays spooled; once a real centre
    listens there, all is uploaded once."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=5000, limit=RECORDS, seed=5)
    black_hole = socket.create_server(("127.0.0.1", 0), backlog=1)  # never accept()ed
    centre.port = black_hole.getsockname()[1]
    agent = make_agent(centre.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port},
        upload={"timeout": 0.3},
    )
    agent.start()
    wait_until(lambda: agent.figures()["stored"] == RECORDS, what="10,000 records spooled")
    _, stuck = wait_until(
        lambda: (status := agent.status())[1]["last_error"] and status,
        what="a time-out reported",
    )

    black_hole.close()
    centre.start()
    assert_exactly_once(agent, source)

    assert "timed out" in stuck["last_error"]
    assert stuck["unsent"] == RECORDS


def test_batch_sent_twice(centre, make_agent, pbx_factory, agent_source):
    """The centre stores a batch but its answer is lost on the way (three times): the
    agent sends those batches again, and the centre counts them as duplicates."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=5000, limit=RECORDS, seed=6)
    centre.start()
    proxy = AnswerDroppingProxy(centre.port, drop=3)
    agent = make_agent(proxy.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port},
        upload={"batch_size": 2000},
    )
    agent.start()
    assert_exactly_once(agent, source)
    _, status = agent.status()
    proxy.close()

    assert proxy.dropped == 3
    assert status["duplicates_total"] >= 3
    # Each record was acknowledged once: as stored, or as a duplicate of a lost answer.
    assert status["uploaded_total"] + status["duplicates_total"] == RECORDS


def test_pbx_dropping_its_connection(centre, make_agent, pbx_factory, agent_source, tmp_path):
    """A Mitel 5000 (login, length-prefixed frames) that hangs up after every 2,000
    records: the agent reconnects each time and loses or doubles nothing; the
    optional daily raw log holds every record too."""
    source, _ = agent_source
    source.family = "mitel-5000"
    source.save(update_fields=["family"])
    step = 2000
    pbx = pbx_factory(family="mitel-5000", rate=5000, limit=step, password="s3cret", seed=7)
    agent = make_agent(centre.url, family="mitel-5000").configure(
        capture={
            "transport": "tcp-client",
            "host": "127.0.0.1",
            "port": pbx.port,
            "password": "s3cret",
            "raw_log_dir": str(tmp_path / "raw"),
        }
    )
    centre.start()
    agent.start()
    while pbx.pbx.limit < RECORDS:
        wait_until(
            lambda: agent.figures()["stored"] == pbx.pbx.limit and not pbx.pbx.collectors,
            what=f"{pbx.pbx.limit} records, then the PBX hanging up",
        )
        pbx.pbx.limit += step
    assert_exactly_once(agent, source)
    log = (tmp_path / "agent.log").read_text()
    raw_lines = [
        line
        for path in (tmp_path / "raw").glob("remote-site-*.log")
        for line in path.read_bytes().split(b"\r\n")
        if line
    ]

    assert pbx.pbx.sent == RECORDS
    assert log.count("the PBX closed the connection") >= RECORDS // step - 1
    assert sorted(raw_lines) == sorted(agent.spooled().values())
