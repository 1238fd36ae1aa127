"""Benchmarks print a figure only when every operation they measured succeeded.

``make bench``'s credit benchmark once got 401 for every API request and still
printed "1,693 authorizations/s". Now a failed operation means no figure, a
non-zero exit and a message with how many failed and the first error.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from bench import BenchmarkFailed, Failures, rate, report_rate
from bench.credit import _setup, api_measure

ROOT = Path(__file__).resolve().parent.parent


def test_a_rate_is_printed_when_nothing_failed(capsys):
    failures = Failures("widgets")

    figure = report_rate(failures, 3_000, 2.0, "widgets")

    assert figure == 1_500
    assert capsys.readouterr().out == "widgets: 1,500 widgets/s\n"


def test_no_rate_is_printed_once_an_operation_failed(capsys):
    failures = Failures("widgets")
    failures.add("HTTP 401 from POST /widgets: no token")
    failures.add("HTTP 500 from POST /widgets")

    with pytest.raises(BenchmarkFailed) as failed:
        report_rate(failures, 3_000, 2.0, "widgets")

    assert isinstance(failed.value, SystemExit)
    assert failed.value.code == (
        "widgets: 2 of 3,000 operations failed, so no figure is printed; "
        "the first error: HTTP 401 from POST /widgets: no token"
    )
    assert capsys.readouterr().out == ""


def test_a_wrong_answer_is_a_failure():
    failures = Failures("calls")

    assert failures.expect("calls stored", 100, 100)
    assert not failures.expect("calls stored", 99, 100)

    with pytest.raises(BenchmarkFailed, match=r"1 of 100 operations failed.*99, expected 100"):
        rate(failures, 100, 1.0)


@pytest.fixture
def credit_token(transactional_db):
    """The credit benchmark's own set-up, with four accounts."""
    return _setup(accounts=4)


def test_the_credit_api_bench_measures_real_authorizations(live_server, credit_token, capsys):
    figure = api_measure(live_server.url, credit_token, calls=8, clients=2, accounts=4)

    assert figure > 0
    assert capsys.readouterr().out == f"API: {figure:,.0f} authorizations/s\n"
    from credit.models import Reservation

    assert Reservation.objects.filter(call_id__startswith="api-").count() == 8


def test_the_credit_api_bench_refuses_a_figure_for_401s(live_server, credit_token, capsys):
    with pytest.raises(BenchmarkFailed) as failed:
        api_measure(live_server.url, "not-the-token", calls=8, clients=2, accounts=4)

    message = str(failed.value.code)
    assert message.startswith("API: 8 of 8 operations failed, so no figure is printed;")
    assert f"HTTP 401 from POST {live_server.url}/api/v1/credit/authorize" in message
    assert "authorizations/s" not in capsys.readouterr().out


def test_the_credit_api_bench_exits_non_zero_with_a_wrong_token(live_server, credit_token):
    measure = (
        "from bench.credit import api_measure; "
        f"api_measure({live_server.url!r}, 'not-the-token', calls=4, clients=1, accounts=4)"
    )

    run = subprocess.run(
        [sys.executable, "-c", measure],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 1
    assert run.stdout == ""
    assert "API: 4 of 4 operations failed" in run.stderr
    assert "HTTP 401" in run.stderr
