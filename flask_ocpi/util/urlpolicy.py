"""The outbound URL policy: which partner-given URLs Flask-OCPI will call.

Every URL a partner hands us (its versions URL, the endpoints in its version details,
a command's ``response_url``) is checked before each request: by default only ``https``
to public addresses. ``OCPI_OUTBOUND_ALLOW_HTTP``, ``OCPI_OUTBOUND_ALLOW_LOOPBACK`` and
``OCPI_OUTBOUND_ALLOW_PRIVATE`` open it for development, tests and private networks.
Host names are resolved and every address they resolve to must be allowed, so a public
name pointing at an internal address is refused too; a name that does not resolve is left
to the request, which then fails as unreachable. Redirects are never followed. (The check
and the connection resolve separately: a name whose DNS answer changes in between is not
caught here; deployments that need that use an egress proxy.)
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL the outbound policy refuses; the message says why."""


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """Which URLs may be called.

    :param allow_http: also plain ``http`` (never for production).
    :param allow_loopback: also loopback addresses (127.0.0.0/8, ::1).
    :param allow_private: also private, link-local, shared, reserved and unspecified addresses.
    """

    allow_http: bool = False
    allow_loopback: bool = False
    allow_private: bool = False

    def check(self, url: str) -> str:
        """Return ``url`` when the policy allows calling it.

        :raises UnsafeUrl: otherwise, saying why; also for any URL that cannot be parsed
            (a port out of range, a malformed IPv6 literal, a host name that is not one).
        """
        if not isinstance(url, str):
            raise UnsafeUrl(f"{url!r}: not a URL")
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port  # ValueError when not a number in 0-65535
        except ValueError as exc:
            raise UnsafeUrl(f"{url!r}: not a valid URL ({exc})") from None
        if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not self.allow_http):
            allowed = "https or http" if self.allow_http else "https"
            raise UnsafeUrl(f"{url!r}: only {allowed} URLs are allowed")
        if not host:
            raise UnsafeUrl(f"{url!r}: no host")
        for address in _addresses(url, host, port or (443 if parts.scheme == "https" else 80)):
            self._check_address(url, address)
        return url

    def _check_address(self, url: str, address: Address) -> None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            if not self.allow_loopback:
                raise UnsafeUrl(f"{url!r}: loopback address {address} (OCPI_OUTBOUND_ALLOW_LOOPBACK)")
            return
        if not address.is_global or address.is_multicast:
            if not self.allow_private:
                raise UnsafeUrl(f"{url!r}: non-public address {address} (OCPI_OUTBOUND_ALLOW_PRIVATE)")


def _addresses(url: str, host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return []  # unresolvable: nothing to refuse; the request itself will fail
    except ValueError as exc:  # UnicodeError of an IDNA label too long, an embedded NUL, ...
        raise UnsafeUrl(f"{url!r}: not a valid host name ({exc})") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
