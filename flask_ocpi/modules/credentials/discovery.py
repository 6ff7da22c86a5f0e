"""Discovery: what a partner's versions and version details endpoints say, checked
against what we need (the first step of every registration and update)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_ocpi.config import current_config
from flask_ocpi.exceptions import NoMatchingEndpoints, OcpiError, PartnerError, UnableToUseClientApi, UnsupportedVersion
from flask_ocpi.models import Endpoint, ModuleID, Role
from flask_ocpi.state import version_adapter as adapter
from flask_ocpi.transport.http import OcpiHttp
from flask_ocpi.versions import choose_version, parse_versions

log = logging.getLogger("flask_ocpi")


@dataclass(frozen=True, slots=True)
class Discovery:
    """What we learnt from a partner's versions and version details endpoints."""

    versions_url: str
    version: str
    endpoints: list[Endpoint]


def http(token: str | None) -> OcpiHttp:
    """The transport of registration calls: ``token``, ``OCPI_OUTBOUND_TIMEOUT``, the URL policy."""
    config = current_config()
    return OcpiHttp(token=token, timeout=config.outbound_timeout, policy=config.url_policy)


def discover(versions_url: str, token: str, *, version: str | None = None) -> Discovery:
    """GET a partner's versions and the details of the chosen version.

    :param version: the version to use; by default the highest mutual one.
    :raises UnableToUseClientApi: a GET failed or answered something unusable (3001).
    :raises UnsupportedVersion: no mutual version, or the partner lacks ``version`` (3002).
    """
    config = current_config()
    client = http(token)
    try:
        versions = parse_versions(client.get(versions_url).data)
    except (PartnerError, ValueError) as exc:
        raise UnableToUseClientApi(f"Could not read versions at {versions_url}: {exc}") from exc
    wanted = [version] if version else list(config.versions)
    chosen = choose_version(wanted, versions)
    if chosen is None:
        theirs = ", ".join(v.version for v in versions) or "none"
        raise UnsupportedVersion(f"No mutual OCPI version: we speak {', '.join(wanted)}, partner offers {theirs}")
    try:
        details = adapter(chosen.version).load_version_details(client.get(chosen.url).data)
    except (PartnerError, ValueError, OcpiError) as exc:
        raise UnableToUseClientApi(f"Could not read version details at {chosen.url}: {exc}") from exc
    if details.version != chosen.version:
        log.warning(
            "Partner's details at %s say version %s, its versions list said %s; using %s",
            chosen.url,
            details.version,
            chosen.version,
            chosen.version,
        )
    return Discovery(versions_url=versions_url, version=chosen.version, endpoints=details.endpoints)


def check_endpoints(discovery: Discovery, role: Role) -> None:
    """Refuse a partner lacking the credentials module or ``OCPI_REQUIRED_ENDPOINTS`` of ``role``.

    :raises NoMatchingEndpoints: naming the missing modules (3003).
    """
    have = {e.identifier for e in discovery.endpoints}
    needed = {ModuleID.CREDENTIALS.value} | set(current_config().required_endpoints.get(role, ()))
    missing = sorted(needed - have)
    if missing:
        raise NoMatchingEndpoints(
            f"Partner's version {discovery.version} lacks required endpoint(s): {', '.join(missing)}"
        )


__all__ = ["Discovery", "check_endpoints", "discover", "http"]
