"""Partner answers become typed exceptions carrying the OCPI status."""

from __future__ import annotations

import pytest

from flask_ocpi import exceptions as e


@pytest.mark.parametrize(
    ("status_code", "http_status", "expected"),
    [
        (2001, 400, e.PartnerInvalidParameters),
        (2002, 400, e.PartnerNotEnoughInformation),
        (2003, 404, e.PartnerUnknownLocation),
        (2000, 404, e.PartnerNotFound),
        (None, 404, e.PartnerNotFound),
        (2000, 400, e.PartnerClientError),
        (2999, 200, e.PartnerClientError),
        (3001, 200, e.PartnerUnableToUseClientApi),
        (3002, 200, e.PartnerUnsupportedVersion),
        (3003, 200, e.PartnerNoMatchingEndpoints),
        (3000, 500, e.PartnerServerError),
        (None, 502, e.PartnerServerError),
        (None, 401, e.PartnerClientError),
        (4001, 200, e.PartnerError),
    ],
)
def test_error_for(status_code: int | None, http_status: int, expected: type[e.PartnerError]) -> None:
    error = e.error_for("boom", url="https://p.example.com/x", status_code=status_code, http_status=http_status)
    assert type(error) is expected
    assert (error.status_code, error.http_status, error.message) == (status_code, http_status, "boom")
