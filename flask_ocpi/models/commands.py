"""Commands module objects (version-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_ocpi.models.common import DisplayText
from flask_ocpi.models.tokens import Token


class CommandType(StrEnum):
    """``CommandType`` (2.2.1 adds CANCEL_RESERVATION)."""

    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"
    CANCEL_RESERVATION = "CANCEL_RESERVATION"


class CommandResponseType(StrEnum):
    """``CommandResponseType``: the CPO's synchronous answer (2.1.1 also has TIMEOUT)."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """``CommandResultType``: the charge point's final outcome.

    2.2.1 defines all of these; a 2.1.1 result travels as a CommandResponse, so it is
    mapped onto ACCEPTED, REJECTED, NOT_SUPPORTED, TIMEOUT or UNKNOWN_SESSION.
    """

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


@dataclass(slots=True, kw_only=True)
class CommandResponse:
    """``CommandResponse``: the synchronous answer to a command (``timeout`` and
    ``message`` are 2.2.1 fields)."""

    result: CommandResponseType
    timeout: int | None = None
    message: list[DisplayText] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class CommandResult:
    """``CommandResult``: the asynchronous outcome POSTed to the ``response_url``."""

    result: CommandResultType
    message: list[DisplayText] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class StartSession:
    """``StartSession`` command."""

    response_url: str
    token: Token
    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None
    authorization_reference: str | None = None


@dataclass(slots=True, kw_only=True)
class StopSession:
    """``StopSession`` command."""

    response_url: str
    session_id: str


@dataclass(slots=True, kw_only=True)
class ReserveNow:
    """``ReserveNow`` command (2.1.1 sends ``reservation_id`` as an int; kept as text)."""

    response_url: str
    token: Token
    expiry_date: datetime
    reservation_id: str
    location_id: str
    evse_uid: str | None = None
    authorization_reference: str | None = None


@dataclass(slots=True, kw_only=True)
class UnlockConnector:
    """``UnlockConnector`` command."""

    response_url: str
    location_id: str
    evse_uid: str
    connector_id: str


@dataclass(slots=True, kw_only=True)
class CancelReservation:
    """``CancelReservation`` command (2.2.1)."""

    response_url: str
    reservation_id: str


#: Any command body.
Command = StartSession | StopSession | ReserveNow | UnlockConnector | CancelReservation


class CommandDirection(StrEnum):
    """Whether we received a command (as CPO) or sent it (as eMSP)."""

    RECEIVED = "RECEIVED"
    SENT = "SENT"


@dataclass(slots=True, kw_only=True)
class CommandRecord:
    """A command whose asynchronous result is awaited, kept until it completes.

    On the CPO side (``RECEIVED``) it remembers where to POST the result; on the eMSP
    side (``SENT``) which command a result arriving at our ``response_url`` belongs to.
    ``result`` is ``None`` while pending; ``delivered`` records whether the CPO's POST
    of the result reached the eMSP.
    """

    id: str
    partner_id: str
    direction: CommandDirection
    type: CommandType
    version: str
    response_url: str
    created: datetime
    deadline: datetime
    result: CommandResult | None = None
    completed: datetime | None = None
    delivered: bool | None = None
