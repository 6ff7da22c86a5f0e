"""Blinker signals: Flask-OCPI tells the host what happened; the host never decides here.

Every signal is sent after the backend call succeeded, with the Flask application as
sender. Connect with ``partner_registered.connect(receiver, app)`` or
``@partner_registered.connect_via(app)``.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace, Signal
from flask import current_app

_signals = Namespace()


def listened(signal: Signal) -> bool:
    """Whether anyone listens to ``signal`` for the current application (to skip building
    kwargs that cost a backend read when nobody would receive them)."""
    return bool(signal.receivers) and signal.has_receivers_for(current_app._get_current_object())  # type: ignore[attr-defined]


def notify(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` with the current application as sender (inside an app context)."""
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]


#: A partner completed registration, in either direction.
#:
#: kwargs: ``partner`` (:class:`~flask_ocpi.models.Partner`, as stored),
#: ``initiator`` (``"partner"`` when it POSTed to us, ``"us"`` when we registered with it).
partner_registered = _signals.signal("partner-registered")

#: A partner's credentials were updated (token rotation, version switch, new endpoints).
#:
#: kwargs: ``partner`` (as stored after the update), ``initiator`` (``"partner"``/``"us"``).
partner_updated = _signals.signal("partner-updated")

#: A partner was unregistered; none of its tokens works any more.
#:
#: kwargs: ``partner`` (as stored, status ``UNREGISTERED``), ``initiator`` (``"partner"``/``"us"``).
partner_unregistered = _signals.signal("partner-unregistered")

# --- functional modules (sent by the server views, after the backend call succeeded) ---

#: A CPO pushed a location, EVSE or connector (PUT or PATCH) to our eMSP receiver.
#:
#: kwargs: ``partner``; ``country_code``, ``party_id``, ``location_id``; ``evse_uid`` and
#: ``connector_id`` (``None`` above their level); ``method`` (``"PUT"``/``"PATCH"``);
#: ``created`` (bool); ``location`` (the stored Location after the change, or ``None`` if the
#: backend cannot return it).
location_updated = _signals.signal("location-updated")

#: A CPO pushed a session (PUT or PATCH). kwargs: ``partner``, ``country_code``, ``party_id``,
#: ``session_id``, ``method``, ``created``, ``session`` (stored Session or ``None``).
session_updated = _signals.signal("session-updated")

#: A new CDR reached us, posted by a CPO or pulled by :func:`flask_ocpi.outbound.sync.sync`: the billing
#: hook. kwargs: ``partner``, ``cdr`` (the CDR as received). Not sent again for a CDR we
#: already have (re-posted or pulled again).
cdr_received = _signals.signal("cdr-received")

#: A CPO pushed a tariff (PUT or PATCH). kwargs: ``partner``, ``country_code``, ``party_id``,
#: ``tariff_id``, ``method``, ``created``, ``tariff`` (stored Tariff or ``None``).
tariff_updated = _signals.signal("tariff-updated")

#: A CPO deleted a tariff. kwargs: ``partner``, ``country_code``, ``party_id``, ``tariff_id``.
tariff_deleted = _signals.signal("tariff-deleted")

#: An eMSP pushed a token (PUT or PATCH) to our CPO receiver. kwargs: ``partner``,
#: ``country_code``, ``party_id``, ``token_uid``, ``method``, ``created``, ``token`` (or ``None``).
token_updated = _signals.signal("token-updated")

#: We answered a real-time authorization as eMSP. kwargs: ``partner``, ``token_uid``,
#: ``token_type``, ``location`` (LocationReferences or ``None``), ``authorization``
#: (the AuthorizationInfo returned).
token_authorized = _signals.signal("token-authorized")

#: We (CPO) received a command and answered it. kwargs: ``partner``, ``command_id``,
#: ``command_type``, ``command`` (the command object), ``response`` (CommandResponse).
command_received = _signals.signal("command-received")

#: A command's final result is known. kwargs: ``partner_id``, ``command`` (CommandRecord,
#: completed), ``result`` (CommandResult), ``direction`` (``RECEIVED``: we as CPO reported or
#: timed it out; ``SENT``: a CPO posted it to our response_url).
command_result_received = _signals.signal("command-result-received")

# --- outbound (the client) ---

#: One module's pull from a partner finished (:func:`flask_ocpi.outbound.sync.sync`), completed or
#: stopped by an error. kwargs: ``partner``, ``module`` (ModuleID), ``result``
#: (:class:`~flask_ocpi.outbound.sync.SyncResult`: ``stored``, ``skipped``, ``date_from``,
#: ``date_to``, ``error``).
pull_finished = _signals.signal("pull-finished")

#: A change could not be delivered to a partner and Flask-OCPI gave up retrying
#: (``OCPI_PUSH_MAX_ATTEMPTS`` reached, or a failure no retry can fix). The delivery is
#: kept as ``FAILED`` for an operator (``flask ocpi deliveries``); the partner can resync
#: by pulling. kwargs: ``partner_id``, ``delivery`` (:class:`~flask_ocpi.models.Delivery`),
#: ``error`` (str).
delivery_failed = _signals.signal("delivery-failed")

__all__ = [
    "cdr_received",
    "command_received",
    "command_result_received",
    "delivery_failed",
    "location_updated",
    "notify",
    "partner_registered",
    "partner_unregistered",
    "partner_updated",
    "pull_finished",
    "session_updated",
    "tariff_deleted",
    "tariff_updated",
    "token_authorized",
    "token_updated",
]
