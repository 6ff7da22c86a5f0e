"""Absolute URLs of our own endpoints, as partners must see them.

With ``OCPI_BASE_URL`` set (behind a proxy, or from the CLI), URLs are built on it;
otherwise on the host URL of the current request.
"""

from __future__ import annotations

from flask import has_request_context, request

from flask_ocpi.config import current_config
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import Role


def public_url(path: str) -> str:
    """``path`` (an absolute path of this app, without script root) as a public URL."""
    configured = current_config().base_url
    if configured:
        return configured + path
    if has_request_context():
        return request.host_url.rstrip("/") + request.script_root + path
    raise ConfigError("OCPI_BASE_URL", "must be set to build public URLs outside a request (e.g. in the CLI)")


def versions_url(role: Role) -> str:
    """The public URL of our versions endpoint for a role tree."""
    prefix = current_config().url_prefix
    return public_url(f"{prefix}/{role.path}/versions")


def version_url(role: Role, version: str) -> str:
    """The public URL of our version details endpoint for a role tree and version."""
    prefix = current_config().url_prefix
    return public_url(f"{prefix}/{role.path}/{version}")
