"""What every part of the partner client shares: the partner, the transport, the wire module."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask_ocpi.config import app_config
from flask_ocpi.models import ModuleID, Partner, PartyKey, Role
from flask_ocpi.state import version_adapter
from flask_ocpi.transport.http import OcpiHttp, OcpiResponse
from flask_ocpi.versions import ClientWire, UnknownVersion

log = logging.getLogger("flask_ocpi")


class ClientBase:
    """One registered partner, called with our token for it.

    :param partner: a REGISTERED partner (its endpoints and outbound token are used).
    :param http: the transport (timeout, URL policy, connection pool, request ids).
    :param own_parties: our own parties, never the partner's whatever its row claims
        (default: ``OCPI_PARTIES`` of the current application, if any); our party on this
        connection always counts as ours.
    """

    def __init__(self, partner: Partner, *, http: OcpiHttp, own_parties: Iterable[PartyKey] | None = None) -> None:
        if not partner.registered or not partner.outbound_token or not partner.version:
            raise ValueError(f"partner {partner.id} is not registered")
        self.partner = partner
        self.http = http
        self.own_parties = frozenset(own_parties if own_parties is not None else _configured_parties())
        self.own_parties |= {partner.local_party}

    @property
    def wire(self) -> ClientWire:
        """The wire format of the partner's version, from the application's version registry.

        :raises LookupError: when Flask-OCPI cannot talk that version as a client.
        """
        version = self.partner.version or ""
        try:
            return version_adapter(version).client
        except UnknownVersion:
            raise LookupError(
                f"Partner {self.partner.id} uses OCPI {version}, which the client does not speak"
            ) from None

    def url(self, module: ModuleID) -> str:
        """The partner's endpoint URL of ``module``.

        :raises LookupError: when its version details do not list the module.
        """
        endpoint = self.partner.endpoint(module)
        if endpoint is None:
            raise LookupError(f"Partner {self.partner.id} offers no {module.value} endpoint")
        return endpoint.url

    @property
    def ours(self) -> PartyKey:
        """Our party on this connection."""
        return self.partner.local_party

    @property
    def their_parties(self) -> list[PartyKey]:
        """The partner's parties, without any of ours its row may claim."""
        return [key for key in self.partner.parties if key not in self.own_parties]

    @property
    def theirs(self) -> PartyKey:
        """The partner's party (the first of its credentials)."""
        return self.wire.their_party(self.partner)

    def _require(self, role: Role, operation: str) -> None:
        """Refuse ``operation`` unless this connection speaks for our ``role``."""
        if role not in self.partner.local_roles:
            sides = "/".join(sorted(r.value for r in self.partner.local_roles)) or "unknown"
            raise ValueError(
                f"{operation} is a {role.value} operation, but partner {self.partner.id} is connected to our "
                f"{sides} side"
            )

    def _own(self, country_code: str, party_id: str, what: str) -> PartyKey:
        """The owner of an object we send, which must be our party on this connection."""
        owner = PartyKey(country_code, party_id)
        if owner != self.ours:
            raise ValueError(f"{what} belongs to {owner}, not to our party {self.ours} of partner {self.partner.id}")
        return owner

    def _call(
        self,
        method: str,
        module: ModuleID,
        path: str = "",
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> OcpiResponse:
        """One request to ``module``'s endpoint plus ``path`` (each segment URL-quoted)."""
        url = self.url(module)
        quoted = "/".join(quote(part, safe="") for part in path.split("/")) if path else ""
        target = url.rstrip("/") + quoted if quoted else url  # the endpoint URL itself exactly as given
        return self.http.request(method, target, json=json, params=params)

    def _one(self, data: Any, what: str) -> Any:
        """The one object of an answer; a one-element list is tolerated (and logged)."""
        if isinstance(data, list) and len(data) == 1:
            log.warning("Partner %s answered %s wrapped in a list; using its one element", self.partner.id, what)
            return data[0]
        return data


def _configured_parties() -> frozenset[PartyKey]:
    """The keys of ``OCPI_PARTIES`` of the current application (none outside one)."""
    config = app_config()
    return config.own_keys if config is not None else frozenset()
