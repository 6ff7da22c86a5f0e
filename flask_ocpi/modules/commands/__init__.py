"""The commands module's protocol, both sides, independent of the OCPI version.

Commands are asynchronous: the eMSP POSTs a command carrying a ``response_url``, the CPO
answers at once (``CommandResponse``) and later POSTs the charge point's outcome there.
Each awaited result is a :class:`~flask_ocpi.models.CommandRecord` in the application's
:class:`~flask_ocpi.backends.commands.CommandStore` (``OCPI(..., commands=...)``), completed
exactly once whichever process or worker completes it; every completion sends
:data:`~flask_ocpi.signals.command_result_received`.

* CPO (``RECEIVED``): :func:`receive_command` (the view) keeps ACCEPTED commands;
  :func:`report_command_result` (the host) POSTs the outcome to the eMSP, once.
* eMSP (``SENT``): :func:`new_sent_command` stores a command about to be sent and gives
  its ``response_url``; :func:`find_sent_command` and :func:`accept_command_result` (the
  view at that URL) hand the result once to the host's ``CommandsSenderBackend``.
* Both: :func:`expire_commands` gives ``TIMEOUT`` to commands pending for longer than
  ``OCPI_COMMAND_TIMEOUT`` seconds (POSTed to the eMSP for received ones; handed to our
  sender backend, without any POST, for sent ones). Run it from ``flask ocpi
  expire-commands``, the opt-in :func:`flask_ocpi.modules.commands.sweeper.start_sweeper`
  thread, or the host's scheduler.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app

from flask_ocpi import signals
from flask_ocpi.backends.commands import CommandsReceiverBackend, CommandsSenderBackend, CommandStore
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import InvalidOrMissingParameters, NotFound, PartnerError
from flask_ocpi.models import (
    Command,
    CommandDirection,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    InterfaceRole,
    ModuleID,
    Partner,
    Role,
)
from flask_ocpi.signals import notify
from flask_ocpi.state import OcpiState, get_state
from flask_ocpi.transport.http import OcpiHttp
from flask_ocpi.transport.urls import public_url
from flask_ocpi.util.urlpolicy import UnsafeUrl

log = logging.getLogger("flask_ocpi")

#: The receiver backend's method for each command.
_RECEIVER_METHODS: dict[CommandType, str] = {
    CommandType.START_SESSION: "start_session",
    CommandType.STOP_SESSION: "stop_session",
    CommandType.RESERVE_NOW: "reserve_now",
    CommandType.UNLOCK_CONNECTOR: "unlock_connector",
    CommandType.CANCEL_RESERVATION: "cancel_reservation",
}

_MAX_URL_LENGTH = 255


def check_response_url(url: str) -> str:
    """The one check of a ``response_url`` a partner gives us (and we later POST to).

    An absolute ``http``/``https`` URL with a host, allowed by the outbound URL policy
    (:mod:`flask_ocpi.util.urlpolicy`: by default https to public addresses only).

    :raises InvalidOrMissingParameters: (2001) naming ``response_url``.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidOrMissingParameters(f"response_url: must be an absolute http(s) URL, got {url!r}")
    try:
        _state().config.url_policy.check(url)
    except UnsafeUrl as exc:
        raise InvalidOrMissingParameters(f"response_url: refused by the outbound URL policy: {exc}") from None
    return url


def _state() -> OcpiState:
    return get_state(current_app)


def _store(state: OcpiState) -> CommandStore:
    if state.commands is None:
        raise RuntimeError("No command store: pass OCPI(app, ..., commands=MemoryCommandStore()) or a SQLAlchemy one")
    return state.commands


def _result_signal(record: CommandRecord, result: CommandResult) -> None:
    kwargs = {"partner_id": record.partner_id, "command": record, "result": result, "direction": record.direction}
    notify(signals.command_result_received, **kwargs)


def _as_result(result: CommandResult | CommandResultType | str) -> CommandResult:
    if isinstance(result, CommandResult):
        return result
    return CommandResult(result=CommandResultType(result))


# --- CPO side ---------------------------------------------------------------------------


def receive_command(
    partner: Partner, command_type: CommandType, command: Command, *, version: str
) -> tuple[str, CommandResponse]:
    """CPO: hand a validated command from ``partner`` to the host's receiver backend.

    The command is stored (pending, deadline ``OCPI_COMMAND_TIMEOUT`` seconds from now)
    *before* the backend is called, so the host can report its result with the
    ``command_id`` it was given at any moment, even before its method returned; when the
    answer is not ``ACCEPTED`` (or the backend raises) the record is discarded again.
    Sends :data:`~flask_ocpi.signals.command_received` when the backend returned.

    :returns: the new ``command_id`` and the backend's answer.
    :raises UnknownLocation: as raised by the backend (nothing stored, no signal).
    """
    state = _state()
    store = _store(state)
    backend = state.backend(ModuleID.COMMANDS, InterfaceRole.RECEIVER)
    if not isinstance(backend, CommandsReceiverBackend):
        raise RuntimeError("No CommandsReceiverBackend installed")
    command_id = uuid.uuid4().hex
    received = utcnow()
    method = getattr(backend, _RECEIVER_METHODS[command_type])
    store.add(
        record=CommandRecord(
            id=command_id,
            partner_id=partner.id,
            direction=CommandDirection.RECEIVED,
            type=command_type,
            version=version,
            response_url=command.response_url,
            created=received,
            deadline=received + timedelta(seconds=state.config.command_timeout),
        )
    )
    try:
        response = method(partner=partner, command_id=command_id, command=command)
        if not isinstance(response, CommandResponse):
            raise TypeError(f"{type(backend).__name__}.{method.__name__} must return a CommandResponse")
    except BaseException:
        store.discard(command_id=command_id)
        raise
    if response.result is not CommandResponseType.ACCEPTED:
        store.discard(command_id=command_id)
    log.info("Command %s (%s) from partner %s: %s", command_id, command_type.value, partner.id, response.result.value)
    notify(
        signals.command_received,
        partner=partner,
        command_id=command_id,
        command_type=command_type,
        command=command,
        response=response,
    )
    return command_id, response


def report_command_result(command_id: str, result: CommandResult | CommandResultType | str) -> CommandRecord | None:
    """CPO: the charge point's outcome of a command we accepted; POST it to the eMSP.

    Call it inside an application context, from any process or worker, after the
    receiver backend's method returned ``ACCEPTED``. The pending command is completed
    atomically, then the result is POSTed once (no retries, as OCPI says) to its
    ``response_url`` with our token for that partner, in the command's OCPI version.
    Whether it arrived is stored (``delivered``); a failure is logged at WARNING.
    Sends :data:`~flask_ocpi.signals.command_result_received` (``direction=RECEIVED``).

    :returns: the completed record, or ``None`` when the command is unknown, not one
        we received, or already completed (a second report POSTs nothing).
    """
    state = _state()
    store = _store(state)
    outcome = _as_result(result)
    found = store.get(command_id=command_id)
    if found is None or found.direction is not CommandDirection.RECEIVED:
        log.warning("Result reported for unknown command %s; ignored", command_id)
        return None
    record = store.complete(command_id=command_id, result=outcome, when=utcnow())
    if record is None:
        log.info("Result reported for command %s, which already has one; ignored", command_id)
        return None
    return _deliver(state, store, record, outcome)


def _deliver(state: OcpiState, store: CommandStore, record: CommandRecord, result: CommandResult) -> CommandRecord:
    delivered = _post_result(state, record, result)
    store.mark_delivered(command_id=record.id, delivered=delivered)
    record = replace(record, delivered=delivered)
    _result_signal(record, result)
    return record


def _post_result(state: OcpiState, record: CommandRecord, result: CommandResult) -> bool:
    partner = state.partners.get(partner_id=record.partner_id)
    if partner is None or not partner.registered or not partner.outbound_token:
        log.warning("Command %s: partner %s not registered; result not delivered", record.id, record.partner_id)
        return False
    try:
        check_response_url(record.response_url)
        body = state.versions.get(record.version).dump_command_result(result)
        http = OcpiHttp(
            token=partner.outbound_token, timeout=state.config.outbound_timeout, policy=state.config.url_policy
        )
        http.request("POST", record.response_url, json=body)
    except (PartnerError, InvalidOrMissingParameters) as exc:
        log.warning("Command %s: result could not be delivered to partner %s: %s", record.id, record.partner_id, exc)
        return False
    except Exception:
        log.exception("Command %s: delivering result %s failed", record.id, result.result.value)
        return False
    log.info("Command %s: result %s delivered to partner %s", record.id, result.result.value, record.partner_id)
    return True


def expire_commands(*, now: datetime | None = None, limit: int = 100) -> list[CommandRecord]:
    """Time out up to ``limit`` pending commands whose deadline passed (at ``now``).

    Claiming is atomic, so several workers may run this at once. For a command we
    received (CPO) the ``TIMEOUT`` result is POSTed to the eMSP as
    :func:`report_command_result` does; for one we sent (eMSP) the host's
    :class:`~flask_ocpi.backends.commands.CommandsSenderBackend` gets a ``TIMEOUT``
    result. Each sends :data:`~flask_ocpi.signals.command_result_received`.

    :returns: the timed-out records (with ``delivered`` set for received ones).
    """
    state = _state()
    store = _store(state)
    expired = store.claim_expired(now=now or utcnow(), limit=limit)
    done: list[CommandRecord] = []
    for record in expired:
        result = record.result or CommandResult(result=CommandResultType.TIMEOUT)
        log.info("Command %s (%s, %s) timed out", record.id, record.type.value, record.direction.value)
        try:
            if record.direction is CommandDirection.RECEIVED:
                record = _deliver(state, store, record, result)
            else:
                _hand_to_sender_backend(state, record, result)
        except Exception:  # the others of the batch are claimed too: go on with them
            log.exception("Command %s: handling its timeout failed", record.id)
        done.append(record)
    return done


# --- eMSP side --------------------------------------------------------------------------


def new_sent_command(partner: Partner, command_type: CommandType) -> tuple[CommandRecord, str]:
    """eMSP: store a command we are about to send to ``partner`` (a CPO).

    :returns: the pending record and the absolute ``response_url`` to put in the
        command's body; the CPO's result POSTed there reaches the host's
        :class:`~flask_ocpi.backends.commands.CommandsSenderBackend`. Without a result
        by ``OCPI_COMMAND_TIMEOUT`` seconds, :func:`expire_commands` gives it ``TIMEOUT``.
    :raises ValueError: the partner is not a CPO registered with our eMSP tree, or its
        version has no such command.
    :raises RuntimeError: no command store or no commands sender backend is installed.
    """
    state = _state()
    store = _store(state)
    if not isinstance(state.backend(ModuleID.COMMANDS, InterfaceRole.SENDER), CommandsSenderBackend):
        raise RuntimeError("No CommandsSenderBackend installed: command results could not be received")
    if not partner.registered or Role.EMSP not in partner.local_roles or not partner.version:
        raise ValueError(f"Partner {partner.id} is not a CPO registered with our eMSP tree")
    version = partner.version
    if version not in state.versions or command_type not in state.versions.get(version).commands:
        raise ValueError(f"OCPI {version} has no {command_type.value} command")
    command_id = uuid.uuid4().hex
    path = f"{state.config.url_prefix}/{Role.EMSP.path}/{version}/commands/{command_type.value}/{command_id}"
    url = public_url(path)
    if len(url) > _MAX_URL_LENGTH:
        raise ValueError(f"response_url would exceed {_MAX_URL_LENGTH} characters; shorten OCPI_BASE_URL")
    now = utcnow()
    record = CommandRecord(
        id=command_id,
        partner_id=partner.id,
        direction=CommandDirection.SENT,
        type=command_type,
        version=version,
        response_url=url,
        created=now,
        deadline=now + timedelta(seconds=state.config.command_timeout),
    )
    store.add(record=record)
    return record, url


def find_sent_command(partner: Partner, command_type: str, command_id: str, *, version: str) -> CommandRecord:
    """eMSP: the command we sent to ``partner`` whose ``response_url`` is being called.

    :raises NotFound: (404) unknown id, or a URL we did not give to this partner (other
        partner, command type or version): nothing is revealed or recorded.
    """
    record = _store(_state()).get(command_id=command_id)
    if (
        record is None
        or record.direction is not CommandDirection.SENT
        or record.partner_id != partner.id
        or record.type.value != command_type
        or record.version != version
    ):
        raise NotFound(f"Unknown command {command_id}")
    return record


def accept_command_result(partner: Partner, record: CommandRecord, result: CommandResult) -> CommandRecord | None:
    """eMSP: a CPO POSTed ``result`` to the ``response_url`` of ``record``.

    Completes the command atomically and hands the result to the host's sender backend
    once; sends :data:`~flask_ocpi.signals.command_result_received` (``direction=SENT``).

    :returns: the completed record, or ``None`` when it was already completed (by an
        earlier POST, or by a timeout): the result is then ignored (and logged).
    """
    state = _state()
    completed = _store(state).complete(command_id=record.id, result=result, when=utcnow())
    if completed is None:
        log.warning("Partner %s posted a second result for command %s; ignored", partner.id, record.id)
        return None
    log.info("Command %s: partner %s reported %s", record.id, partner.id, result.result.value)
    _hand_to_sender_backend(state, completed, result, partner=partner)
    return completed


def _hand_to_sender_backend(
    state: OcpiState, record: CommandRecord, result: CommandResult, *, partner: Partner | None = None
) -> None:
    backend = state.backend(ModuleID.COMMANDS, InterfaceRole.SENDER)
    partner = partner or state.partners.get(partner_id=record.partner_id)
    if isinstance(backend, CommandsSenderBackend) and partner is not None:
        backend.command_result(partner=partner, command=record, result=result)
    else:
        log.warning("Command %s: no sender backend or partner to hand result %s to", record.id, result.result.value)
    _result_signal(record, result)


# --- expiry outside requests -------------------------------------------------------------


__all__ = [
    "accept_command_result",
    "check_response_url",
    "expire_commands",
    "find_sent_command",
    "new_sent_command",
    "receive_command",
    "report_command_result",
]
