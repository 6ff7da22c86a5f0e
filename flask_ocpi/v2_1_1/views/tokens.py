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

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tokens import TokensReceiverBackend, TokensSenderBackend
from flask_ocpi.exceptions import InvalidOrMissingParameters, NotFound
from flask_ocpi.models import LocationReferences, Role, Token, TokenType
from flask_ocpi.modules.receiver import ReceiverWrite, Target, receive, receiver_target
from flask_ocpi.signals import notify
from flask_ocpi.transport.body import request_body
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import caller, installed, json_body, page_request, url_id
from flask_ocpi.v2_1_1.rules import RULES
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

L = TypeVar("L")
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
        parameters=path_doc(token_uid=RULES.ids.object_id),
    )
    @blp.doc(parameters=[_TYPE_DOC], **body_doc(LocationReferencesSchema, "Where to charge", required=False))
    @blp.alt_response(200, schema=envelope_schema(AuthorizationInfoSchema), success=True, description="The decision")
    def authorize(token_uid: str) -> Response:
        """Real-time authorization of one of our tokens (HTTP 404 + 2000 when unknown)."""
        url_id("token_uid", token_uid, RULES.ids.object_id)
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


def _get(target: Target, token_type: TokenType | None) -> Token | None:
    """The token of the URL (of ``token_type``, or any type) as the backend has it."""
    return _receiver().get_token(
        partner=target.partner,
        country_code=target.country_code,
        party_id=target.party_id,
        token_uid=target.object_id,
        token_type=token_type,
    )


def _write(
    country_code: str,
    party_id: str,
    token_uid: str,
    *,
    load: Callable[[Target], L],
    check: Callable[[Target, L], None],
    write: Callable[[Target, L], WriteResult],
    read_back: Callable[[Target, L], Token | None],
) -> Response:
    """One receiver write of a token (:func:`flask_ocpi.modules.receiver.receive`)."""
    return receive(
        ReceiverWrite(
            what="token",
            country_code=country_code,
            party_id=party_id,
            ids={"token_uid": token_uid},
            id_field="uid",
            load=load,
            check=check,
            write=write,
            signal=signals.token_updated,
            read_back=read_back,
        ),
        RULES,
    )


def _load_token(target: Target) -> Token:
    """A PUT's token (``?type=`` checked first, as for every method)."""
    _type_arg(None)
    return load_token(json_body(), owner=target.party)


def _check_put(target: Target, token: Token) -> None:
    """On a PUT with ``?type=``, the body's type must be that type (2001)."""
    token_type = _type_arg(None)
    if token_type is not None and token.type is not token_type:
        raise InvalidOrMissingParameters(f"type: {token.type.value!r} differs from the URL's {token_type.value!r}")


def _load_changes(target: Target) -> dict[str, Any]:
    """A PATCH's changes (``?type=`` checked first, as for every method)."""
    _type_arg(None)
    return load_token_changes(json_body())


def _check_patch(target: Target, changes: dict[str, Any]) -> None:
    """(uid, type) is the token's identity: a PATCH may repeat its type, not change it."""
    if "type" not in changes:
        return
    current = _get(target, _type_arg(None))
    if current is None:
        raise NotFound(f"Unknown token {target.object_id!r} of {target.party}")
    if changes["type"] is not current.type:
        raise InvalidOrMissingParameters(
            f"type: a PATCH cannot change the type of token {target.object_id!r} ({current.type.value}); PUT it"
        )


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/tokens/<country_code>/<party_id>/<token_uid>",
        endpoint="token",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, token_uid=RULES.ids.object_id),
    )
    class TokenView(MethodView):
        @blp.doc(parameters=[_TYPE_DOC])
        @blp.alt_response(200, schema=envelope_schema(TokenSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """A token as we stored it (HTTP 404 when unknown)."""
            target = receiver_target(country_code, party_id, {"token_uid": token_uid}, RULES)
            token = _get(target, _type_arg(None))
            if token is None:
                raise NotFound(f"Unknown token {token_uid!r} of {target.party}")
            return ok(dump_one(dump_token, token))

        @blp.doc(parameters=[_TYPE_DOC], **body_doc(TokenSchema, "The whole token"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """Create or replace a token."""
            return _write(
                country_code,
                party_id,
                token_uid,
                load=_load_token,
                check=_check_put,
                write=lambda t, token: _receiver().put_token(partner=t.partner, token=token),
                read_back=lambda t, token: _get(t, token.type),
            )

        @blp.doc(parameters=[_TYPE_DOC], **body_doc(TokenSchema, "The changed fields of the token"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, token_uid: str) -> Response:
            """Change some fields of a token, e.g. ``valid`` (HTTP 404 when unknown)."""
            return _write(
                country_code,
                party_id,
                token_uid,
                load=_load_changes,
                check=_check_patch,
                write=lambda t, changes: _receiver().patch_token(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    token_uid=t.object_id,
                    token_type=_type_arg(None),
                    changes=changes,
                ),
                read_back=lambda t, changes: _get(t, changes.get("type", _type_arg(None))),
            )
