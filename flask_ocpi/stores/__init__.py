"""Our reference storage: implementations of the host's contract (:mod:`flask_ocpi.backends`).

* :mod:`~flask_ocpi.stores.memory`: in-memory stores (tests, demos, a single process).
* :mod:`~flask_ocpi.stores.sqlalchemy`: SQLAlchemy stores (the ``sqlalchemy`` extra).
* :mod:`~flask_ocpi.stores.modules`: the per-module store API both engines share.
* :mod:`~flask_ocpi.stores.codec`, :mod:`~flask_ocpi.stores.documents`,
  :mod:`~flask_ocpi.stores.merge`: documents, the generic repository and PATCH merging.
* :mod:`~flask_ocpi.stores.secrets`: tokens encrypted at rest around any partner store.
"""
