"""The client half: what Flask-OCPI sends to partners.

:class:`PartnerClient` (``PartnerClient.connect(partner)``) holds every operation towards
one partner; errors are :class:`PartnerError` subclasses carrying the OCPI status code.
"""

from flask_ocpi.client.calling import SentCommand
from flask_ocpi.client.diff import Change
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.exceptions import (
    PartnerClientError,
    PartnerError,
    PartnerInvalidParameters,
    PartnerNoMatchingEndpoints,
    PartnerNotEnoughInformation,
    PartnerNotFound,
    PartnerServerError,
    PartnerUnableToUseClientApi,
    PartnerUnknownLocation,
    PartnerUnreachable,
    PartnerUnsupportedVersion,
    RefusedUrl,
)
from flask_ocpi.transport.http import OcpiHttp, OcpiResponse

__all__ = [
    "Change",
    "OcpiHttp",
    "OcpiResponse",
    "PartnerClient",
    "PartnerClientError",
    "PartnerError",
    "PartnerInvalidParameters",
    "PartnerNoMatchingEndpoints",
    "PartnerNotEnoughInformation",
    "PartnerNotFound",
    "PartnerServerError",
    "PartnerUnableToUseClientApi",
    "PartnerUnknownLocation",
    "PartnerUnreachable",
    "PartnerUnsupportedVersion",
    "RefusedUrl",
    "SentCommand",
]
