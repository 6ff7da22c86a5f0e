"""OCPI DateTime: parse tolerantly, format strictly (UTC, ``Z``, whole seconds)."""

from __future__ import annotations

from datetime import UTC, datetime


def format_datetime(value: datetime) -> str:
    """Format ``value`` as an OCPI DateTime, e.g. ``2015-06-29T20:39:09Z``.

    Naive datetimes are taken as UTC; aware ones are converted to UTC.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str) -> datetime:
    """Parse an OCPI DateTime into an aware UTC datetime.

    Accepts what peers send in practice: ``Z``, no zone designator (UTC per the spec),
    an explicit offset (converted), and fractional seconds.

    :raises ValueError: when ``value`` is not an ISO 8601 date-time.
    """
    if not isinstance(value, str) or not 10 < len(value) <= 35 or "T" not in value.upper():
        raise ValueError(f"not an OCPI DateTime: {value!r}")
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
