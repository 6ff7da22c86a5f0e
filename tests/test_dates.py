"""OCPI DateTime: tolerant parsing, strict formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from flask_ocpi.dates import format_datetime, parse_datetime, utcnow

EXPECTED = datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2015-06-29T20:39:09Z",
        "2015-06-29t20:39:09z",
        "2015-06-29T20:39:09",
        "2015-06-29T20:39:09+00:00",
        "2015-06-29T22:39:09+02:00",
        "2015-06-29T15:39:09-05:00",
        "2015-06-30T01:09:09+04:30",
        " 2015-06-29T20:39:09Z ",
    ],
)
def test_parse_whole_seconds(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed == EXPECTED
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "microsecond"),
    [
        ("2015-06-29T20:39:09.5Z", 500000),
        ("2015-06-29T20:39:09.123Z", 123000),
        ("2015-06-29T20:39:09.123456Z", 123456),
        ("2015-06-29T20:39:09.123456789Z", 123456),
        ("2015-06-29T22:39:09.250+02:00", 250000),
        ("2015-06-29T20:39:09.75", 750000),
    ],
)
def test_parse_fractional_seconds(text: str, microsecond: int) -> None:
    parsed = parse_datetime(text)
    assert parsed == EXPECTED.replace(microsecond=microsecond)
    assert parsed.tzinfo is UTC


def test_parse_converts_across_the_date_line() -> None:
    assert parse_datetime("2015-06-30T00:30:00+05:00") == datetime(2015, 6, 29, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "yesterday at noon",
        "2015-06-29",
        "2015-06-29 20:39:09Z",
        "2015-13-29T20:39:09Z",
        "2015-06-31T20:39:09Z",
        "2015-06-29T25:39:09Z",
        "2015-06-29T20:39:09+25:00",
        "2015-06-29T20:39:09ZZ",
        "2015-06-29T20:39:09Z" + "0" * 30,
        "1435610349",
        None,
        1435610349,
        EXPECTED,
    ],
)
def test_parse_garbage_raises_value_error(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_datetime(value)


def test_format_utc() -> None:
    assert format_datetime(EXPECTED) == "2015-06-29T20:39:09Z"


def test_format_drops_fractions() -> None:
    assert format_datetime(EXPECTED.replace(microsecond=999999)) == "2015-06-29T20:39:09Z"


def test_format_converts_offsets_to_utc() -> None:
    value = datetime(2015, 6, 29, 22, 39, 9, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(value) == "2015-06-29T20:39:09Z"
    value = datetime(2015, 6, 29, 23, 0, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert format_datetime(value) == "2015-06-30T02:00:00Z"


def test_format_takes_naive_as_utc() -> None:
    assert format_datetime(datetime(2015, 6, 29, 20, 39, 9)) == "2015-06-29T20:39:09Z"


def test_round_trip() -> None:
    for text in ("2015-06-29T20:39:09Z", "2000-01-01T00:00:00Z", "2099-12-31T23:59:59Z"):
        assert format_datetime(parse_datetime(text)) == text


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
