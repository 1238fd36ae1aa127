"""The uploader against a scripted HTTP server standing in for the centre (the network
is the boundary): what it sends, and what it does with each kind of answer."""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from smdr.agent.config import config_from_dict
from smdr.agent.spool import Spool
from smdr.agent.uploader import CentreClient, Outcome, Uploader

NOW = dt.datetime(2026, 11, 2, 13, 5, 9, tzinfo=dt.UTC)


class ScriptedCentre:
    """Answers each POST with the next scripted (status, body, headers); keeps requests."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[dict] = []
        centre = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                centre.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                status, answer, headers = centre.answers.pop(0)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent_seqs(self, index=-1):
        return [record["seq"] for record in self.requests[index]["body"]["records"]]


def ok(count, duplicates=0):
    return 200, {"stored": count - duplicates, "duplicates": duplicates, "last_seq": 1}, {}


@pytest.fixture
def make_uploader(tmp_path):
    made = []

    def make(*answers, batch_size=5000):
        centre = ScriptedCentre(answers)
        config = config_from_dict(
            {
                "centre": {"url": centre.url, "source": "remote-site", "key": "s3cret-key"},
                "capture": {"transport": "tcp-client", "family": "avaya-ipoffice"},
                "spool": {"path": "spool.sqlite3"},
                "upload": {"batch_size": batch_size, "timeout": 5},
            },
            path=Path(tmp_path / "agent.toml"),
        )
        spool = Spool(config.spool_path)
        uploader = Uploader(
            spool=spool, config=config, client=CentreClient(config), stop=threading.Event()
        )
        made.append((centre, spool))
        return centre, spool, uploader

    yield make
    for centre, spool in made:
        centre.server.shutdown()
        spool.close()


def test_payload_follows_the_ingest_contract(make_uploader):
    centre, spool, uploader = make_uploader(ok(2))
    last = spool.append(["Zoë,0351".encode(), b"\xff\xfeLATIN-1 \xe9"], NOW)

    outcome = uploader.upload_once()

    request = centre.requests[0]
    assert outcome is Outcome.SENT
    assert request["path"] == "/api/v1/ingest/"
    assert request["headers"]["Authorization"] == "Token s3cret-key"
    assert request["body"] == {
        "source": "remote-site",
        "records": [
            {"seq": last - 1, "received_at": "2026-11-02T13:05:09.000000Z", "line": "Zoë,0351"},
            {
                "seq": last,
                "received_at": "2026-11-02T13:05:09.000000Z",
                "data": base64.b64encode(b"\xff\xfeLATIN-1 \xe9").decode(),
            },
        ],
    }
    assert spool.figures()["unsent"] == 0
    assert uploader.upload_once() is Outcome.IDLE


def test_batches_go_in_seq_order_up_to_the_batch_size(make_uploader):
    centre, spool, uploader = make_uploader(ok(2), ok(1), batch_size=2)
    last = spool.append([b"a", b"b", b"c"], NOW)

    uploader.upload_once()
    uploader.upload_once()

    assert centre.sent_seqs(0) == [last - 2, last - 1]
    assert centre.sent_seqs(1) == [last]


@pytest.mark.parametrize("status", [500, 502, 503, 429, 404])
def test_failures_keep_the_batch_and_the_same_records_are_sent_again(make_uploader, status):
    centre, spool, uploader = make_uploader((status, {"detail": "busy"}, {}), ok(2))
    spool.append([b"a", b"b"], NOW)

    first = uploader.upload_once()
    kept = spool.figures()["unsent"]
    error = spool.state()["last_error"]
    second = uploader.upload_once()

    assert first is Outcome.RETRY
    assert kept == 2
    assert error == f"centre answered {status}: busy"
    assert second is Outcome.SENT
    assert centre.sent_seqs(0) == centre.sent_seqs(1)


def test_unreachable_centre_is_a_failure_to_retry(make_uploader, tmp_path):
    centre, spool, uploader = make_uploader()
    centre.server.shutdown()
    centre.server.server_close()
    spool.append([b"a"], NOW)

    outcome = uploader.upload_once()

    assert outcome is Outcome.RETRY
    assert spool.state()["last_error"].startswith("centre unreachable:")
    assert spool.figures()["unsent"] == 1


def test_growing_delay_between_retries(make_uploader):
    _, _, uploader = make_uploader()
    uploader.backoff.initial, uploader.backoff.factor, uploader.backoff.maximum = 2, 2, 10

    delays = [uploader.backoff.next_delay() for _ in range(5)]

    assert delays == [2, 4, 8, 10, 10]


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_stops_uploading_and_deletes_nothing(make_uploader, status):
    _, spool, uploader = make_uploader((status, {"detail": "Invalid token."}, {}))
    spool.append([b"a", b"b"], NOW)

    outcome = uploader.upload_once()

    assert outcome is Outcome.REFUSED
    assert spool.figures()["unsent"] == 2
    assert (
        f"refused the key for source 'remote-site' ({status}: Invalid token.)"
        in (spool.state()["halted"])
    )


def test_rejected_records_become_dead_letters_and_the_rest_goes_on(make_uploader):
    rejection = {
        "detail": "1 of 3 records are malformed; nothing was stored.",
        "errors": [
            {"index": 1, "seq": None, "field": "received_at", "message": "not ISO 8601"},
        ],
    }
    centre, spool, uploader = make_uploader((400, rejection, {}), ok(2))
    last = spool.append([b"a", b"b", b"c"], NOW)

    first = uploader.upload_once()
    second = uploader.upload_once()

    assert first is Outcome.SENT  # progress: carry on at once
    assert [(seq, error) for seq, _, error in spool.dead_letters()] == [
        (last - 1, "received_at: not ISO 8601")
    ]
    assert second is Outcome.SENT
    assert centre.sent_seqs(1) == [last - 2, last]
    assert spool.figures()["unsent"] == 0


def test_too_large_batch_is_halved_down_to_a_dead_letter(make_uploader):
    too_large = (413, {"detail": "The body is too large."}, {})
    centre, spool, uploader = make_uploader(too_large, too_large, ok(1))
    last = spool.append([b"x" * 10, b"y"], NOW)

    outcomes = [uploader.upload_once() for _ in range(4)]

    assert outcomes == [Outcome.SENT] * 3 + [Outcome.IDLE]
    assert [len(request["body"]["records"]) for request in centre.requests] == [2, 1, 1]
    assert [(seq, error) for seq, _, error in spool.dead_letters()] == [
        (last - 1, "too large for the centre (413: The body is too large.)")
    ]
    assert centre.sent_seqs(-1) == [last]


def test_a_redirect_is_reported_not_followed(make_uploader):
    moved = (301, {}, {"Location": "https://billing.example.org/api/v1/ingest/"})
    centre, spool, uploader = make_uploader(moved)
    spool.append([b"a"], NOW)

    outcome = uploader.upload_once()

    assert outcome is Outcome.RETRY
    assert len(centre.requests) == 1
    assert (
        "redirected to https://billing.example.org/api/v1/ingest/" in (spool.state()["last_error"])
    )


def test_upload_counts_and_time_are_kept_for_status(make_uploader):
    _, spool, uploader = make_uploader(ok(3, duplicates=1))
    spool.append([b"a", b"b", b"c"], NOW)

    uploader.upload_once()
    state = spool.state()

    assert (state["uploaded_total"], state["duplicates_total"]) == (2, 1)
    assert state["last_upload"].endswith("2 stored, 1 already at the centre")
    assert state["last_upload_at"]
