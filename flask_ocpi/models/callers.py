"""The authenticated caller of a request."""

from __future__ import annotations

from dataclasses import dataclass

from flask_ocpi.models.partners import Partner, TokenScope


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated party of the current request and what its token opens."""

    partner: Partner
    scope: TokenScope
    #: The token the caller presented (kept for this request only, never stored or logged).
    token: str
