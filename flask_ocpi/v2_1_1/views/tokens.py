"""OCPI 2.1.1 tokens: the eMSP's sender interface (with real-time authorization) and the
CPO's receiver interface.

eMSP tree (SENDER)::

    GET  {tokens}                                paginated list of our tokens
    POST {tokens}/{token_uid}/authorize[?type=]  real-time authorization; optional LocationReferences body

CPO tree (RECEIVER)::

    GET|PUT|PATCH {tokens}/{country_code}/{party_id}/{token_uid}[?type=]

``type`` is a 2.1.1 TokenType (``RFID``, ``OTHER``; anything else is 2001). Authorization
defaults to ``RFID``; an unknown token (the backend answers ``None``) is HTTP 404 with OCPI
2000: 2.1.1 defines no code for it, and 2004 (2.2.1's) is not a 2.1.1 status code, so a strict
2.1.1 client would not understand it. A backend needing a location raises 2002. 2.1.1
receiver URLs carry no type: without ``?type=`` the backend gets ``token_type=None``. On a PUT
with ``?type=``, the body's type must be that type (2001).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tokens import TokensReceiverBackend, TokensSenderBackend
from flask_ocpi.exceptions import InvalidOrMissingParameters, NotFound
from flask_ocpi.models import LocationReferences, PartyKey, Role, TokenType
from flask_ocpi.signals import listened, notify
from flask_ocpi.transport.body import request_body
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import (
    OBJECT_ID_MAX,
    caller,
    installed,
    json_body,
    own_party,
    page_request,
    same_id,
    stamped,
    url_id,
    written,
)
from flask_ocpi.v2_1_1.schemas.tokens import (
    TOKEN_TYPES,
    AuthorizationInfoSchema,
    LocationReferencesSchema,
    TokenSchema,
    dump_authorization_info,
    dump_token,
    load_location_references,
    load_token,
    load_token_changes,
)
from flask_ocpi.v2_1_1.views.helpers import dump_one, list_answer

_TYPE_NAMES = sorted(t.value for t in TOKEN_TYPES)
_TYPE_DOC: dict[str, Any] = {
    "name": "type",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": _TYPE_NAMES},
}


def _type_arg(default: TokenType | None) -> TokenType | None:
    """The ``?type=`` query parameter (2001 unless a 2.1.1 TokenType), or ``default``."""
    raw = request.args.get("type")
    if raw is None or raw == "":
        return default
    if raw not in _TYPE_NAMES:
        raise InvalidOrMissingParameters(f"type: must be one of {', '.join(_TYPE_NAMES)}, got {raw[:40]!r}")
    return TokenType(raw)


def register(blp: Blueprint, role: Role) -> None:
    """Add the tokens endpoints of one role tree (eMSP: sender, CPO: receiver)."""
    if role is Role.EMSP:
        _register_sender(blp)
    else:
        _register_receiver(blp)


def _sender() -> TokensSenderBackend:
    return installed(TokensSenderBackend)


def _location_references() -> LocationReferences | None:
    """The optional LocationReferences body (absent, empty or ``null``: none)."""
    if not request_body().strip():
        return None
    data = json_body()
    return None if data is None else load_location_references(data)


def _register_sender(blp: Blueprint) -> None:
    @blp.route("/tokens", methods=["GET"], endpoint="tokens", strict_slashes=False)
    @blp.doc(**pagination_doc())
    @blp.alt_response(200, schema=envelope_schema(TokenSchema, many=True), success=True, description="A page")
    def list_tokens() -> Response:
        """Our tokens, paginated, filtered on ``last_updated``."""
        page = page_request()
        sender = _sender()
        return list_answer(sender, lambda: sender.list_tokens(partner=caller(), page=page), dump_token, "token", page)

    @blp.route(
        "/tokens/<token_uid>/authorize",
        methods=["POST"],
        endpoint="authorize",
        strict_slashes=False,
        parameters=path_doc(token_uid=OBJECT_ID_MAX),
    )
    @blp.doc(parameters=[_TYPE_DOC], **body_doc(LocationReferencesSchema, "Where to charge", required=False))
    @blp.alt_response(200, schema=envelope_schema(AuthorizationInfoSchema), success=True, description="The decision")
    def authorize(token_uid: str) -> Response:
        """Real-time authorization of one of our tokens (HTTP 404 + 2000 when unknown)."""
        url_id("token_uid", token_uid, OBJECT_ID_MAX)
        token_type = _type_arg(TokenType.RFID)
        assert token_type is not None
        location = _location_references()
        partner = caller()
        info = _sender().authorize(partner=partner, token_uid=token_uid, token_type=token_type, location=location)
        if info is None:
            raise NotFound(f"Unknown token {token_uid!r} of type {token_type.value}")
        notify(
            signals.token_authorized,
            partner=partner,
            token_uid=token_uid,
            token_type=token_type,
            location=location,
            authorization=info,
        )
        return ok(dump_authorization_info(info))


# --- receiver -------------------------------------------------------------------------------------------


def _receiver() -> TokensReceiverBackend:
    return installed(TokensReceiverBackend)


def _target(country_code: str, party_id: str, token_uid: str) -> tuple[PartyKey, TokenType | None]:
    key = own_party(country_code, party_id)
    url_id("token_uid", token_uid, OBJECT_ID_MAX)
    return key, _type_arg(None)


def _answer(result: WriteResult, key: PartyKey, token_uid: str, token_type: TokenType | None) -> Response:
    partner = caller()
    if not listened(signals.token_updated):  # the stored object is read only for the signal
        return written(result, "token")
    stored = _receiver().get_token(
        partner=partner,
        country_code=key.country_code,
        party_id=key.party_id,
        token_uid=token_uid,
        token_type=token_type,
    )
    notify(
        signals.token_updated,
        partner=partner,
        country_code=key.country_code,
        party_id=key.party_id,
        token_uid=token_uid,
        method=request.method,
        created=result is WriteResult.CREATED,
        token=stored,
    )
    return written(result, "token")


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/tokens/<country_code>/<party_id>/<token_uid>",
        endpoint="token",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, token_uid=OBJECT_ID_MAX),
    )
    class TokenView(MethodView):
        @blp.doc(parameters=[_TYPE_DOC])
        @blp.alt_response(200, schema=envelope_schema(TokenSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """A token as we stored it (HTTP 404 when unknown)."""
            key, token_type = _target(country_code, party_id, token_uid)
            token = _receiver().get_token(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                token_uid=token_uid,
                token_type=token_type,
            )
            if token is None:
                raise NotFound(f"Unknown token {token_uid!r} of {key}")
            return ok(dump_one(dump_token, token))

        @blp.doc(parameters=[_TYPE_DOC], **body_doc(TokenSchema, "The whole token"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """Create or replace a token."""
            key, token_type = _target(country_code, party_id, token_uid)
            token = load_token(json_body(), owner=key)
            same_id("uid", token_uid, token.uid)
            if token_type is not None and token.type is not token_type:
                raise InvalidOrMissingParameters(
                    f"type: {token.type.value!r} differs from the URL's {token_type.value!r}"
                )
            result = _receiver().put_token(partner=caller(), token=token)
            return _answer(result, key, token_uid, token.type)

        @blp.doc(parameters=[_TYPE_DOC], **body_doc(TokenSchema, "The changed fields of the token"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """Change some fields of a token, e.g. ``valid`` (HTTP 404 when unknown)."""
            key, token_type = _target(country_code, party_id, token_uid)
            changes = load_token_changes(json_body())
            same_id("uid", token_uid, changes.get("uid"))
            if "type" in changes:  # (uid, type) is the token's identity: a PATCH may repeat it, not change it
                current = _receiver().get_token(
                    partner=caller(),
                    country_code=key.country_code,
                    party_id=key.party_id,
                    token_uid=token_uid,
                    token_type=token_type,
                )
                if current is None:
                    raise NotFound(f"Unknown token {token_uid!r} of {key}")
                if changes["type"] is not current.type:
                    raise InvalidOrMissingParameters(
                        f"type: a PATCH cannot change the type of token {token_uid!r} ({current.type.value}); PUT it"
                    )
            result = _receiver().patch_token(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                token_uid=token_uid,
                token_type=token_type,
                changes=stamped(changes),
            )
            if result is WriteResult.NOT_FOUND:
                raise NotFound(f"Unknown token {token_uid!r} of {key}")
            return _answer(result, key, token_uid, changes.get("type", token_type))
