"""Version-independent flows of the OCPI modules that are more than storage.

* :mod:`~flask_ocpi.modules.versions`: the versions lists (the root of each role tree).
* :mod:`~flask_ocpi.modules.credentials`: the credentials handshake, server and client halves.
* :mod:`~flask_ocpi.modules.commands`: commands, CPO and eMSP halves, and their expiry.
* :mod:`~flask_ocpi.modules.receiver`: the one procedure of every receiver write.

A version package's views call these; they reach a version's wire format only through
the version registry of the application's state.
"""
