"""Tokens: parsing the Authorization header, hashing, masking, generating."""

from __future__ import annotations

import base64
import hashlib
import string

import pytest

from flask_ocpi.transport.auth import encode_token, hash_token, mask_token, new_token, token_candidates

TOKEN = "4c5f7d8e-0a1b-2c3d-example-token"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- token_candidates -------------------------------------------------------------------------


def test_raw_token() -> None:
    assert token_candidates(f"Token {TOKEN}") == [TOKEN]


def test_base64_token_gives_raw_then_decoded() -> None:
    assert token_candidates(f"Token {b64(TOKEN)}") == [b64(TOKEN), TOKEN]


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\n\n"])
def test_base64_with_trailing_newline_is_stripped(suffix: str) -> None:
    assert token_candidates(f"Token {b64(TOKEN + suffix)}") == [b64(TOKEN + suffix), TOKEN]


@pytest.mark.parametrize("header", [f"token {TOKEN}", f"TOKEN {TOKEN}", f"  Token   {TOKEN}  "])
def test_scheme_case_and_whitespace(header: str) -> None:
    assert token_candidates(header) == [TOKEN]


@pytest.mark.parametrize(
    "header",
    [None, "", "Token", "Token ", "Token    ", f"Bearer {TOKEN}", f"Basic {b64(TOKEN)}", TOKEN, f"Tokens {TOKEN}"],
)
def test_no_candidates(header: str | None) -> None:
    assert token_candidates(header) == []


def test_raw_token_that_is_not_base64_has_one_candidate() -> None:
    # Our own tokens are URL-safe Base64 text ('-' and '_'): never decoded.
    token = "abc-def_ghi-jkl_mnopqrstuvwxyz-0123456789A"
    assert token_candidates(f"Token {token}") == [token]


def test_base64_decoding_to_binary_is_not_a_candidate() -> None:
    binary = base64.b64encode(bytes(range(0, 32))).decode()
    assert token_candidates(f"Token {binary}") == [binary]


def test_base64_decoding_to_whitespace_inside_is_not_a_candidate() -> None:
    encoded = b64("two words")
    assert token_candidates(f"Token {encoded}") == [encoded]


def test_base64_of_only_a_newline_adds_nothing() -> None:
    encoded = b64("\n")
    assert token_candidates(f"Token {encoded}") == [encoded]


def test_encode_token() -> None:
    assert encode_token(TOKEN, base64_encode=False) == f"Token {TOKEN}"
    assert encode_token(TOKEN, base64_encode=True) == f"Token {b64(TOKEN)}"
    assert token_candidates(encode_token(TOKEN, base64_encode=True))[-1] == TOKEN


# --- hash_token / mask_token / new_token --------------------------------------------------------


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token(TOKEN) == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert len(hash_token(TOKEN)) == 64
    assert hash_token(TOKEN) != hash_token(TOKEN + "x")
    assert hash_token(TOKEN) == hash_token(TOKEN)


def test_mask_token_hides_all_but_a_prefix() -> None:
    masked = mask_token(TOKEN)
    assert TOKEN not in masked
    assert masked.startswith(TOKEN[:4])
    assert TOKEN[:5] not in masked
    assert str(len(TOKEN)) in masked


@pytest.mark.parametrize("token", [None, ""])
def test_mask_no_token(token: str | None) -> None:
    assert mask_token(token) == "<none>"


def test_new_token_is_a_valid_ocpi_token() -> None:
    printable = set(string.ascii_letters + string.digits + string.punctuation)
    for _ in range(20):
        token = new_token()
        assert 32 <= len(token) <= 64
        assert set(token) <= printable  # printable ASCII, no whitespace
        assert token_candidates(f"Token {token}") == [token]


def test_new_tokens_are_unique() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
