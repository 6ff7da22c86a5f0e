"""The credentials module's protocol: registration, update and unregistration.

Both halves share :mod:`~flask_ocpi.modules.credentials.common`, so the token A/B/C
handshake is written once:

* server side (a partner calls our credentials endpoint,
  :mod:`~flask_ocpi.modules.credentials.server`): :func:`accept_registration`,
  :func:`accept_update`, :func:`accept_unregistration`, :func:`our_credentials`;
* client side (we call a partner's, :mod:`~flask_ocpi.modules.credentials.client`):
  :func:`invite`, :func:`register`, :func:`update`, :func:`unregister`, :func:`find_partner`.

This package is their public face: import them from here. Both halves call
:func:`our_credentials` and ``_save`` through it, so replacing them here takes effect.

Every step first talks to the partner, then stores the result with one
:meth:`~flask_ocpi.backends.PartnerStore.save`, so a failure never leaves a
half-registered partner behind. Credentials naming one of our own parties are refused
(2001), and so is a party key another connection holds on one of the trees the connection
speaks for (2000), also when two registrations race (the store's claims decide); of two
registrations with one token A only the first is stored (a conditional save), the other
is answered 405. A registration on one of our role trees makes a connection speaking for
that role (``Partner.local_roles == {role}``).
"""

from __future__ import annotations

# The halves look our_credentials and _save up in this package when they run, so the
# order of these imports does not matter.
from flask_ocpi.modules.credentials.client import find_partner, invite, register, unregister, update
from flask_ocpi.modules.credentials.common import Invitation, RegistrationError, other_role, our_credentials
from flask_ocpi.modules.credentials.common import save as _common_save
from flask_ocpi.modules.credentials.server import accept_registration, accept_unregistration, accept_update

#: The one (conditional) save of every step, which both halves call through this package.
_save = _common_save

__all__ = [
    "Invitation",
    "RegistrationError",
    "accept_registration",
    "accept_unregistration",
    "accept_update",
    "find_partner",
    "invite",
    "other_role",
    "our_credentials",
    "register",
    "unregister",
    "update",
]
