"""OCPI 2.1.1 Tokens schemas: Token, LocationReferences, AuthorizationInfo (``mod_tokens.md``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flask_ocpi.models import (
    AllowedType,
    AuthorizationInfo,
    DisplayText,
    EnergyContract,
    LocationReferences,
    PartyKey,
    ProfileType,
    Token,
    TokenType,
    WhitelistType,
)
from flask_ocpi.v2_1_1.schemas.tokens import (
    AuthorizationInfoSchema,
    LocationReferencesSchema,
    TokenSchema,
    dump_authorization_info,
    dump_location_references,
    dump_token,
    load_authorization_info,
    load_location_references,
    load_token,
    load_token_changes,
)
from tests.v2_1_1.examples import EMSP, at, errors, example, rich_authorization_info, rich_token

MISSING = "Missing data for required field."


def test_token_example_loads() -> None:
    # mod_tokens.md 3.2 Example.
    token = load_token(example("mod_tokens__token").body, owner=PartyKey("nl", "tnm"))
    assert token == Token(
        country_code="NL",
        party_id="TNM",
        uid="012345678",
        type=TokenType.RFID,
        contract_id="DE8ACC12E46L89",
        visual_number="DF000-2001-8999",
        issuer="TheNewMotion",
        valid=True,
        whitelist=WhitelistType.ALLOWED,
        last_updated=at(22, 39),
    )


def test_put_example_loads() -> None:
    # mod_tokens.md 2.1.1 "Example: put a new Token".
    ex = example("mod_tokens__put_token")
    assert (ex.method, ex.url) == ("PUT", "https://www.server.com/ocpi/cpo/2.0/tokens/NL/TNM/012345678")
    token = load_token(ex.body, owner=EMSP)
    assert (token.uid, token.whitelist) == ("012345678", WhitelistType.ALWAYS)
    assert load_token(dump_token(token), owner=EMSP) == token


def test_patch_example_loads() -> None:
    # mod_tokens.md 2.1.2 "Example: invalidate a Token".
    ex = example("mod_tokens__patch_invalidate")
    assert ex.method == "PATCH"
    assert load_token_changes(ex.body) == {"valid": False}


def test_transport_and_format_token_examples_load() -> None:
    # transport_and_format.md: Tokens GET responses (the envelopes' data).
    one = load_token(example("transport_and_format__tokens_get_one").body["data"], owner=EMSP)
    assert (one.uid, one.contract_id) == ("012345678", "FA54320")
    tokens = [load_token(t, owner=EMSP) for t in example("transport_and_format__tokens_get_list").body["data"]]
    assert [(t.uid, t.valid, t.whitelist) for t in tokens] == [
        ("100012", True, WhitelistType.ALWAYS),
        ("100013", True, WhitelistType.ALLOWED),
        ("100014", False, WhitelistType.ALLOWED),
    ]


def valid() -> dict[str, Any]:
    return dump_token(rich_token())


@pytest.mark.parametrize("field", ["uid", "type", "auth_id", "issuer", "valid", "whitelist", "last_updated"])
def test_required_fields(field: str) -> None:
    data = valid()
    del data[field]
    assert errors(load_token, data, owner=EMSP) == {field: MISSING}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uid", "x" * 37, "Longer than maximum length 36."),
        ("auth_id", "x" * 37, "Longer than maximum length 36."),
        ("visual_number", "x" * 65, "Longer than maximum length 64."),
        ("issuer", "x" * 65, "Longer than maximum length 64."),
        ("language", "nld", "Must be an ISO 639-1 language code (2 letters). Longer than maximum length 2."),
        ("language", "n1", "Must be an ISO 639-1 language code (2 letters)."),
        ("valid", "true", "Not a valid boolean."),
        ("valid", 1, "Not a valid boolean."),
        ("valid", None, "Field may not be null."),
        ("uid", 12345678, "Not a valid string."),
        ("type", "APP_USER", None),  # 2.2.1 only
        ("type", "AD_HOC_USER", None),  # 2.2.1 only
        ("type", "rfid", None),
        ("whitelist", "SOMETIMES", None),
    ],
)
def test_wrong_values(field: str, value: Any, message: str | None) -> None:
    data = valid()
    data[field] = value
    found = errors(load_token, data, owner=EMSP)
    assert set(found) == {field}
    if message is None:
        assert found[field].startswith(f"Not an OCPI 2.1.1 value: {value!r}. Must be one of: ")
    else:
        assert found[field] == message


def test_22_names_and_fields() -> None:
    data = valid()
    data["contract_id"] = data.pop("auth_id")  # the 2.2.1 name is unknown in 2.1.1
    data["group_id"] = "G"
    assert errors(load_token, data, owner=EMSP) == {"auth_id": MISSING}


def test_changes() -> None:
    changes = load_token_changes({"auth_id": "NEW", "whitelist": "NEVER", "language": None, "foo": 1})
    assert changes == {"contract_id": "NEW", "whitelist": WhitelistType.NEVER, "language": None}
    assert errors(load_token_changes, {"valid": "no"}) == {"valid": "Not a valid boolean."}
    assert errors(load_token_changes, {"type": "APP_USER"})["type"].startswith("Not an OCPI 2.1.1 value")


def test_rich_token_dump_validates_and_round_trips() -> None:
    token = rich_token()
    dumped = dump_token(token)
    assert TokenSchema().validate(dumped) == {}
    assert load_token(dumped, owner=EMSP) == token
    assert dumped["auth_id"] == "DE8ACC12E46L89" and "contract_id" not in dumped


@pytest.mark.parametrize("token_type", [TokenType.APP_USER, TokenType.AD_HOC_USER])
def test_dump_maps_22_token_types_to_other(token_type: TokenType) -> None:
    token = replace(
        rich_token(token_type),
        group_id="G1",
        default_profile_type=ProfileType.GREEN,
        energy_contract=EnergyContract(supplier_name="S"),
    )
    dumped = dump_token(token)
    assert dumped["type"] == "OTHER"
    assert TokenSchema().validate(dumped) == {}
    assert {"group_id", "default_profile_type", "energy_contract"}.isdisjoint(dumped)


def test_dump_omits_absent_optionals() -> None:
    token = replace(rich_token(), visual_number=None, language=None)
    assert set(dump_token(token)) == {"uid", "type", "auth_id", "issuer", "valid", "whitelist", "last_updated"}


def test_location_references() -> None:
    refs = load_location_references({"location_id": "LOC1", "evse_uids": ["3256"], "connector_ids": None})
    assert refs == LocationReferences(location_id="LOC1", evse_uids=["3256"])
    assert load_location_references({"location_id": "LOC1"}) == LocationReferences(location_id="LOC1")
    full = rich_authorization_info().location
    assert full is not None
    dumped = dump_location_references(full)
    assert LocationReferencesSchema().validate(dumped) == {}
    assert load_location_references(dumped) == full
    assert dump_location_references(LocationReferences(location_id="L")) == {"location_id": "L"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"location_id": MISSING}),
        ({"location_id": "x" * 40}, {"location_id": "Longer than maximum length 39."}),
        ({"location_id": "L", "evse_uids": ["1", "x" * 40]}, {"evse_uids.1": "Longer than maximum length 39."}),
        ({"location_id": "L", "connector_ids": ["x" * 37]}, {"connector_ids.0": "Longer than maximum length 36."}),
        ({"location_id": "L", "evse_uids": "3256"}, {"evse_uids": "Not a valid list."}),
        (None, {"body": "Invalid input type."}),
    ],
)
def test_location_references_refusals(data: Any, expected: dict[str, str]) -> None:
    assert errors(load_location_references, data) == expected


def test_authorization_info() -> None:
    info = rich_authorization_info()
    dumped = dump_authorization_info(info)
    assert dumped == {
        "allowed": "NOT_ALLOWED",
        "location": {"location_id": "LOC1", "evse_uids": ["3256", "3257"], "connector_ids": ["1", "2"]},
        "info": {"language": "en", "text": "Not at this location"},
    }
    assert AuthorizationInfoSchema().validate(dumped) == {}
    assert load_authorization_info(dumped, token_owner=EMSP) == info
    assert load_authorization_info({"allowed": "BLOCKED"}, token_owner=EMSP) == AuthorizationInfo(
        allowed=AllowedType.BLOCKED
    )


def test_authorization_info_leaves_out_22_fields() -> None:
    info = replace(
        rich_authorization_info(), token=rich_token(), authorization_reference="REF", info=None, location=None
    )
    assert dump_authorization_info(info) == {"allowed": "NOT_ALLOWED"}
    # a 2.1.1 answer carries no token: loading ignores one
    loaded = load_authorization_info({"allowed": "ALLOWED", "token": dump_token(rich_token())}, token_owner=EMSP)
    assert loaded == AuthorizationInfo(allowed=AllowedType.ALLOWED)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"allowed": MISSING}),
        ({"allowed": "DENIED"}, None),
        ({"allowed": "ALLOWED", "location": {"evse_uids": []}}, {"location.location_id": MISSING}),
        ({"allowed": "ALLOWED", "info": {"language": "en"}}, {"info.text": MISSING}),
    ],
)
def test_authorization_info_refusals(data: dict[str, Any], expected: dict[str, str] | None) -> None:
    found = errors(load_authorization_info, data, token_owner=EMSP)
    if expected is None:
        assert found["allowed"].startswith("Not an OCPI 2.1.1 value: 'DENIED'.")
    else:
        assert found == expected


def test_display_text_in_info() -> None:
    loaded = load_authorization_info(
        {"allowed": "EXPIRED", "info": {"language": "nl", "text": "Verlopen"}}, token_owner=EMSP
    )
    assert loaded.info == DisplayText(language="nl", text="Verlopen")
