"""Flask-OCPI: make a Flask backend a party of OCPI, the Open Charge Point Interface."""

from flask_ocpi.extension import OCPI
from flask_ocpi.modules.credentials import Invitation, RegistrationError

__version__ = "0.1.0"

__all__ = ["OCPI", "Invitation", "RegistrationError", "__version__"]
