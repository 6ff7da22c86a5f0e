"""Our reference storage: implementations of the host's contract (:mod:`flask_ocpi.backends`).

* :mod:`~flask_ocpi.stores.modules`: the per-module stores (``LocationsStore(documents)``
  ...), each given the :class:`~flask_ocpi.stores.documents.DocumentRepository` keeping
  its objects; they do not depend on an engine.
* :mod:`~flask_ocpi.stores.memory`: in-memory stores (tests, demos, a single process).
* :mod:`~flask_ocpi.stores.sqlalchemy`: SQLAlchemy stores (the ``sqlalchemy`` extra:
  ``pip install 'flask-ocpi[sqlalchemy]'``; nothing else imports SQLAlchemy).

Each engine gives a document repository, its partner, delivery, command and sync stores,
and one bundle of every store on one repository (and, for SQL, one session source)::

    stores = MemoryStores()              # or SQLAlchemyStores(db_or_engine_or_sessionmaker)
    stores.locations, stores.sessions, stores.cdrs, stores.tariffs, stores.tokens
    stores.partners, stores.deliveries, stores.commands, stores.sync

* :mod:`~flask_ocpi.stores.codec`, :mod:`~flask_ocpi.stores.documents`,
  :mod:`~flask_ocpi.stores.merge`: documents, the generic repository and PATCH merging.
* :mod:`~flask_ocpi.stores.secrets`: tokens encrypted at rest around any partner store.
"""
