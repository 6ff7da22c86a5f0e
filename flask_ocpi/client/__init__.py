"""The client half: what Flask-OCPI sends to partners."""

from flask_ocpi.client.http import OcpiHttp, OcpiResponse, PartnerError, PartnerUnreachable

__all__ = ["OcpiHttp", "OcpiResponse", "PartnerError", "PartnerUnreachable"]
