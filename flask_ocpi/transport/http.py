"""HTTP transport towards partners: ``requests`` with the OCPI token, ids and envelope.

Tolerant in what it receives: a partner answering a bare JSON value instead of an
envelope is accepted (and logged). Every failure becomes a :class:`PartnerError`
carrying the OCPI status code and message, or :class:`PartnerUnreachable`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from flask_ocpi.exceptions import InvalidJson, OcpiError, PartnerError, PartnerUnreachable, RefusedUrl, error_for
from flask_ocpi.transport.auth import encode_token, mask_token
from flask_ocpi.transport.envelope import json_text
from flask_ocpi.transport.jsonlimits import JsonLimits, parse_json
from flask_ocpi.util.urlpolicy import UnsafeUrl, UrlPolicy

log = logging.getLogger("flask_ocpi")

#: The largest answer read from a partner (bytes); a longer one is refused unread.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: How deep a partner's answer may nest (OCPI objects nest about 7 levels; lists of them 8).
_RESPONSE_LIMITS = JsonLimits(max_depth=64, max_list_length=10**9)


class _Unreadable(Exception):
    """A partner's answer Flask-OCPI will not read (too large, or nested too deep)."""


@dataclass(slots=True)
class OcpiResponse:
    """A partner's answer: the envelope's ``data`` plus the HTTP details."""

    data: Any
    http_status: int
    headers: dict[str, str] = field(default_factory=dict)
    status_code: int = 1000
    status_message: str | None = None
    enveloped: bool = True


class OcpiHttp:
    """Calls a partner's OCPI endpoints with our token for that partner.

    :param token: the token the partner gave us (sent as ``Authorization: Token ...``).
    :param timeout: seconds for connect and read.
    :param base64_token: Base64-encode the token (OCPI 2.2.x); raw for 2.1.1.
    :param session: a ``requests.Session`` to reuse (connection pooling).
    :param policy: the outbound URL policy every URL is checked against before the call.
    """

    def __init__(
        self,
        *,
        token: str | None,
        timeout: float,
        base64_token: bool = False,
        session: requests.Session | None = None,
        policy: UrlPolicy,
    ) -> None:
        self.policy = policy
        self.token = token
        self.timeout = timeout
        self.base64_token = base64_token
        self.session = session or requests.Session()
        #: How many requests got a success answer so far (tells a caller sending several
        #: requests for one change whether a failure came after some were applied).
        self.answered = 0

    def request(self, method: str, url: str, *, json: Any = None, params: dict[str, Any] | None = None) -> OcpiResponse:
        """Send one request and return its unwrapped answer.

        :raises RefusedUrl: when the outbound URL policy refuses ``url`` (nothing is sent).
        :raises PartnerUnreachable: when no HTTP answer came back.
        :raises PartnerError: when the answer is not a success.
        """
        request_id = str(uuid.uuid4())
        headers = {"X-Request-ID": request_id, "X-Correlation-ID": request_id, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = encode_token(self.token, base64_encode=self.base64_token)
        log.debug("OCPI %s %s (request id %s, token %s)", method, url, request_id, mask_token(self.token))
        try:
            self.policy.check(url)
        except UnsafeUrl as exc:
            log.warning("Not calling a partner URL: %s", exc)
            raise RefusedUrl(f"refused by the outbound URL policy: {exc}", url=url) from None
        body: bytes | None = None
        if json is not None:  # our encoder: Decimals as JSON numbers, exactly
            body = json_text(json).encode()
            headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(
                method,
                url,
                data=body,
                params=params,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            content = _bounded_content(response)
        except requests.RequestException as exc:
            raise PartnerUnreachable(
                f"{method} {url} failed: {type(exc).__name__}", url=url, sent=_may_have_been_sent(exc)
            ) from exc
        except _Unreadable as exc:
            raise _unreadable(method, url, response, exc) from None
        answer = self._unwrap(method, url, response, content)
        self.answered += 1
        return answer

    def get(self, url: str, *, params: dict[str, Any] | None = None) -> OcpiResponse:
        """``GET`` a URL."""
        return self.request("GET", url, params=params)

    def _unwrap(self, method: str, url: str, response: requests.Response, content: bytes) -> OcpiResponse:
        headers = dict(response.headers)
        try:
            body = _json_of(content)
        except _Unreadable as exc:
            raise _unreadable(method, url, response, exc) from None
        except ValueError:
            if 200 <= response.status_code < 300:
                log.warning(
                    "%s %s answered HTTP %d without a JSON body; taken as success", method, url, response.status_code
                )
                return OcpiResponse(None, response.status_code, headers, enveloped=False)
            raise error_for(
                f"{method} {url} answered HTTP {response.status_code} without a JSON body",
                url=url,
                status_code=None,
                http_status=response.status_code,
            ) from None
        if isinstance(body, dict) and "status_code" in body:
            status_code = body.get("status_code")
            message = body.get("status_message")
            if not isinstance(status_code, int) or not 1000 <= status_code < 2000 or response.status_code >= 400:
                raise error_for(
                    f"{method} {url} answered HTTP {response.status_code}, OCPI {status_code}: {message or ''}".rstrip(
                        ": "
                    ),
                    url=url,
                    status_code=status_code if isinstance(status_code, int) else None,
                    http_status=response.status_code,
                )
            return OcpiResponse(body.get("data"), response.status_code, headers, status_code, message)
        if response.status_code >= 400:
            raise error_for(
                f"{method} {url} answered HTTP {response.status_code}",
                url=url,
                status_code=None,
                http_status=response.status_code,
            )
        log.warning("%s %s answered without an OCPI envelope; using the body as data", method, url)
        return OcpiResponse(body, response.status_code, headers, enveloped=False)


def _may_have_been_sent(exc: requests.RequestException) -> bool:
    """Whether a request that got no answer may have reached the partner: only a connection
    that was never made (refused, unresolvable, connect timeout, TLS handshake) proves not."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, NewConnectionError)
    return True


def _unreadable(method: str, url: str, response: requests.Response, exc: _Unreadable) -> PartnerError:
    """The error of an answer we will not read (by the HTTP status it came with)."""
    return error_for(
        f"{method} {url} answered HTTP {response.status_code} with {exc}",
        url=url,
        status_code=None,
        http_status=response.status_code,
    )


def _bounded_content(response: requests.Response) -> bytes:
    """The answer's body, read up to :data:`MAX_RESPONSE_BYTES` (a longer one is refused
    without reading the rest: a partner cannot exhaust our memory)."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise _Unreadable(f"more than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def _json_of(content: bytes) -> Any:
    """The answer's JSON, within :data:`_RESPONSE_LIMITS` (read as the request bodies are,
    by :func:`~flask_ocpi.transport.jsonlimits.parse_json`; numbers as the standard library reads them).

    :raises ValueError: when it is not JSON. :raises _Unreadable: when it nests too deep.
    """
    try:
        return parse_json(content, _RESPONSE_LIMITS, decimals=False)
    except InvalidJson:
        raise ValueError("not JSON") from None
    except OcpiError:
        raise _Unreadable("JSON nested too deeply") from None
