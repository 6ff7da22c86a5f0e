"""The one procedure of every receiver write: a partner PUTs or PATCHes one of its objects
into our receiver interface (a location, EVSE or connector; a session, tariff or token).

Whatever the module and the version, :func:`receive` applies the same rules, in this order:

1. the URL's party must be one of the caller's, and never one of ours: HTTP 404 before any
   backend call (:func:`~flask_ocpi.transport.views.own_party`);
2. each URL id is 1 to n printable ASCII characters, n taken from the version's
   :class:`~flask_ocpi.versions.rules.IdLimits`: 2001 naming it (:func:`check_ids`);
3. the body is loaded by the version's schema (the view's ``load``; 2001 when invalid);
4. the object's own id in the body, when given, equals the URL's: 2001 naming the field;
5. the module's own checks, if any (``check``);
6. a PATCH without ``last_updated`` gets the time of receipt when the version says so
   (:attr:`~flask_ocpi.versions.rules.VersionRules.stamp_patch_last_updated`);
7. the backend call; ``NOT_FOUND`` is HTTP 404 (``missing`` chooses the OCPI code);
8. only then the module's signal, with the object read back from the backend (read only
   when someone listens);
9. the answer: HTTP 201 when the backend created the object, 200 otherwise.

A version package describes one write with a :class:`ReceiverWrite` (values and callables:
it never names a version here) and passes its :class:`~flask_ocpi.versions.rules.VersionRules`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from blinker import Signal
from flask import Response, request

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import ClientError, InvalidOrMissingParameters, NotFound
from flask_ocpi.models import Partner, PartyKey
from flask_ocpi.signals import listened, notify
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.views import caller, own_party, url_id
from flask_ocpi.versions.rules import IdLimits, VersionRules

Loaded = TypeVar("Loaded")

#: The URL ids a receiver interface knows, and the :class:`IdLimits` field bounding each.
_LIMITS: dict[str, Callable[[IdLimits], int]] = {
    "location_id": lambda limits: limits.location_id,
    "evse_uid": lambda limits: limits.evse_uid,
    "connector_id": lambda limits: limits.connector_id,
    "session_id": lambda limits: limits.object_id,
    "cdr_id": lambda limits: limits.object_id,
    "tariff_id": lambda limits: limits.object_id,
    "token_uid": lambda limits: limits.object_id,
}


def id_limit(limits: IdLimits, name: str) -> int:
    """The maximum length of the URL id ``name`` (``location_id``, ``evse_uid``, ...).

    :raises KeyError: for a name no receiver interface uses (a programming error).
    """
    return _LIMITS[name](limits)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a receiver request goes, once checked: the caller, its party named by the URL
    (upper case) and the URL's ids, outermost first (``None``: a level above the object)."""

    partner: Partner
    party: PartyKey
    ids: Mapping[str, str | None]

    @property
    def country_code(self) -> str:
        """The party's country code."""
        return self.party.country_code

    @property
    def party_id(self) -> str:
        """The party's id."""
        return self.party.party_id

    @property
    def object_id(self) -> str:
        """The URL's id of the object itself: the innermost id given."""
        return [value for value in self.ids.values() if value is not None][-1]

    def id_of(self, name: str) -> str:
        """The URL's id ``name`` (e.g. an EVSE's ``location_id``).

        :raises KeyError: when the URL has no such id (a programming error).
        """
        value = self.ids[name]
        if value is None:
            raise KeyError(name)
        return value


def check_ids(ids: Mapping[str, str | None], rules: VersionRules) -> None:
    """Each URL id given (not ``None``) checked against the version's maximum: 2001 naming it."""
    for name, value in ids.items():
        if value is not None:
            url_id(name, value, id_limit(rules.ids, name))


def receiver_target(country_code: str, party_id: str, ids: Mapping[str, str | None], rules: VersionRules) -> Target:
    """The checked target of a receiver URL (also for its GET): HTTP 404 unless the party is
    the caller's (before any backend call), then 2001 for an id breaking the version's rules."""
    party = own_party(country_code, party_id)
    check_ids(ids, rules)
    return Target(caller(), party, ids)


def same_id(field: str, url_value: str, body_value: Any) -> None:
    """2001 when the id in the body differs from the id in the URL (absent is fine for PATCH)."""
    if body_value is not None and str(body_value) != url_value:
        raise InvalidOrMissingParameters(f"{field}: {body_value!r} differs from the URL's {url_value!r}")


def stamp_patch(changes: dict[str, Any], rules: VersionRules) -> dict[str, Any]:
    """PATCH ``changes`` with ``last_updated`` set to now when the body had none and the
    version's rules say so (OCPI 2.1.1); ``changes`` itself, changed in place."""
    if rules.stamp_patch_last_updated and changes.get("last_updated") is None:
        changes["last_updated"] = utcnow()
    return changes


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverWrite(Generic[Loaded]):
    """One PUT or PATCH of a receiver interface, described for :func:`receive`.

    A PUT's ``load`` gives a model object, a PATCH's the model-named changes (a ``dict``);
    :func:`receive` tells them apart by the request's method.
    """

    #: The object's name: in messages, and the signal's keyword of the object read back.
    what: str
    #: The URL's party, as in the URL.
    country_code: str
    party_id: str
    #: The URL's ids, outermost first; ``None`` for the levels above the object (e.g. an
    #: EVSE's ``connector_id``). All are sent with the signal.
    ids: Mapping[str, str | None]
    #: The field of the object's own id: the model attribute (PUT) or change key (PATCH),
    #: named as on the wire; it must equal :attr:`Target.object_id` when given.
    id_field: str
    #: Read and load the request body with the version's schema (2001 when invalid).
    load: Callable[[Target], Loaded]
    #: The backend call.
    write: Callable[[Target, Loaded], WriteResult]
    #: The module's signal, sent after a successful write.
    signal: Signal
    #: The stored object after the write, for the signal (``None`` if the backend cannot tell).
    read_back: Callable[[Target, Loaded], object | None]
    #: The module's checks of the loaded body, before the backend call (raise to refuse).
    check: Callable[[Target, Loaded], None] | None = None
    #: The error answering ``NOT_FOUND`` (default: HTTP 404, OCPI 2000, "Unknown <what>").
    missing: Callable[[Target], ClientError] | None = None


def receive(write: ReceiverWrite[Loaded], rules: VersionRules) -> Response:
    """Apply one receiver write (see the module's rules) and answer it: 201 created, 200 updated.

    :param write: what the version's view knows of this write.
    :param rules: the version's rules (URL id limits, PATCH stamping).
    :raises NotFound: (HTTP 404) for another party's URL, or when the backend found nothing.
    :raises InvalidOrMissingParameters: (2001) for a bad URL id, body, or a body id differing
        from the URL's.
    """
    target = receiver_target(write.country_code, write.party_id, write.ids, rules)
    loaded = write.load(target)
    patch = request.method == "PATCH"
    if patch:
        assert isinstance(loaded, dict), "a PATCH loads its changes as a dict"
        same_id(write.id_field, target.object_id, loaded.get(write.id_field))
    else:
        same_id(write.id_field, target.object_id, getattr(loaded, write.id_field, None))
    if write.check is not None:
        write.check(target, loaded)
    if patch:
        assert isinstance(loaded, dict)
        stamp_patch(loaded, rules)
    result = write.write(target, loaded)
    if result is WriteResult.NOT_FOUND:
        if write.missing is not None:
            raise write.missing(target)
        raise NotFound(f"Unknown {write.what} {target.object_id!r} of {target.party}")
    created = result is WriteResult.CREATED
    if listened(write.signal):  # the stored object is read only for the signal
        notify(
            write.signal,
            partner=target.partner,
            country_code=target.country_code,
            party_id=target.party_id,
            **target.ids,
            method=request.method,
            created=created,
            **{write.what: write.read_back(target, loaded)},
        )
    return ok(http_status=201 if created else 200)


__all__ = [
    "ReceiverWrite",
    "Target",
    "check_ids",
    "id_limit",
    "receive",
    "receiver_target",
    "same_id",
    "stamp_patch",
]
