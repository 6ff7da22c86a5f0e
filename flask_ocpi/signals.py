"""Blinker signals: Flask-OCPI tells the host what happened; the host never decides here.

Every signal is sent after the backend call succeeded, with the Flask application as
sender. Connect with ``partner_registered.connect(receiver, app)`` or
``@partner_registered.connect_via(app)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

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

__all__ = ["partner_registered", "partner_unregistered", "partner_updated"]
