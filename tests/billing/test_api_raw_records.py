"""GET /api/v1/raw-records/: filters that the database cannot compare are a 400."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/raw-records/"


@pytest.mark.parametrize("field", ["received_after", "received_before"])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_time_outside_utc_years_answers_400_naming_the_filter(admin_client, field, moment):
    response = admin_client.get(URL, {field: moment})

    assert response.status_code == 400
    assert "outside the times that can be stored" in response.json()[field][0]
