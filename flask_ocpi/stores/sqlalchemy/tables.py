"""Every table of the SQLAlchemy stores, declared with SQLAlchemy Core, and only here.

Every table lives in :data:`metadata`, which is separate from any declarative ``Base``
of the host application. Hosts that manage their schema with Alembic include it in
their ``env.py``::

    from flask_ocpi.stores.sqlalchemy import metadata as ocpi_metadata

    target_metadata = [db.metadata, ocpi_metadata]

All table names start with ``ocpi_`` and constraint names follow
:data:`NAMING_CONVENTION`, so migrations are reproducible.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

#: Constraint and index naming rules of :data:`metadata` (Alembic-friendly).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The metadata holding every Flask-OCPI table (and nothing of the host's).
metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware ``DateTime`` that always stores and returns UTC.

    Aware values are converted to UTC before they are stored (SQLite would otherwise
    drop the offset and keep the wall-clock time); naive values are taken as UTC.
    Values read back are aware UTC datetimes on every database, including SQLite,
    which returns naive ones.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert ``value`` to UTC (naive values are taken as UTC)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"unexpected datetime value from the database: {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: OCPI connections (:class:`~flask_ocpi.models.Partner`) without their grants.
#: ``roles`` and ``endpoints`` hold JSON lists of the partner's credentials roles and
#: version details endpoints; enums are stored as their string values.
#: ``local_roles`` holds ``Partner.local_roles``: our role values, sorted, comma-separated
#: (``"CPO,EMSP"``; ``""`` for none). ``NULL`` there marks a row written before the column
#: existed: its roles are read from ``local_role``, the one-role column of earlier releases,
#: still written (the one role, ``NULL`` with none or several) for one release so that
#: an earlier release reads the rows of a newer one; ``create_tables`` backfills it
#: (:meth:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyPartnerStore.backfill_local_roles`).
partners_table = Table(
    "ocpi_partners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("local_country_code", String(2), nullable=False),
    Column("local_party_id", String(3), nullable=False),
    Column("local_role", String(16), nullable=True),
    Column("status", String(16), nullable=False),
    Column("name", String(255), nullable=True),
    Column("versions_url", String(255), nullable=True),
    Column("version", String(16), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("endpoints", JSON, nullable=False),
    # The token we send to the partner: in clear, or Fernet-encrypted when
    # OCPI_ENCRYPTION_KEYS is set (see flask_ocpi.stores.secrets), hence the width.
    Column("outbound_token", String(512), nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    # Last: where create_tables adds it to a table of an earlier release.
    Column("local_roles", String(64), nullable=True),
)

#: The tokens a partner may present (:class:`~flask_ocpi.models.TokenGrant`), as
#: SHA-256 hex digests. ``position`` keeps the order of ``Partner.grants``.
partner_tokens_table = Table(
    "ocpi_partner_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "partner_id",
        String(64),
        ForeignKey("ocpi_partners.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("scope", String(16), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("created", UTCDateTime, nullable=False),
)

#: Owned OCPI objects (locations, sessions, CDRs, tariffs, tokens) as JSON documents, see
#: :mod:`flask_ocpi.stores.documents`. One row per object:
#:
#: ``id``
#:     autoincrement primary key, also the object's sequence number: lists are ordered
#:     by it (oldest first); a replaced or patched object keeps its row and so its place.
#: ``kind``
#:     ``location``, ``session``, ``cdr``, ``tariff`` or ``token``.
#: ``country_code``, ``party_id``, ``object_id``, ``token_type``
#:     the key: owner (upper case), id (case as received) and, for tokens, the token
#:     type (other kinds store ``""``, not ``NULL``, so that the unique constraint holds
#:     for them too: two NULLs never collide in a unique constraint).
#: ``audience_country_code``, ``audience_party_id``
#:     for sessions and CDRs the eMSP of ``cdr_token``: whom the object is for.
#: ``last_updated``
#:     the object's ``last_updated`` in UTC, for the ``date_from``/``date_to`` filters.
#: ``document``
#:     the whole object (:func:`flask_ocpi.stores.codec.to_document`), EVSEs and
#:     connectors included, so a page is one query whatever the nesting.
#: ``revision``
#:     1 when inserted, +1 on every write: a read-modify-write (a PATCH) replaces the row
#:     only if it still has the revision it read, and retries otherwise, so concurrent
#:     writers never lose each other's changes on any database (SQLite ignores
#:     ``SELECT ... FOR UPDATE``).
objects_table = Table(
    "ocpi_objects",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("token_type", String(16), nullable=False, server_default=""),
    Column("audience_country_code", String(2), nullable=True),
    Column("audience_party_id", String(3), nullable=True),
    Column("last_updated", UTCDateTime, nullable=False),
    Column("document", JSON, nullable=False),
    Column("revision", Integer, nullable=False, server_default="1"),
    UniqueConstraint("kind", "country_code", "party_id", "object_id", "token_type", name="uq_ocpi_objects_key"),
    Index("ix_ocpi_objects_owner_seq", "kind", "country_code", "party_id", "id"),
    Index("ix_ocpi_objects_owner_last_updated", "kind", "country_code", "party_id", "last_updated"),
    Index("ix_ocpi_objects_audience_seq", "kind", "audience_country_code", "audience_party_id", "id"),
)

__all__ = [
    "NAMING_CONVENTION",
    "UTCDateTime",
    "commands_table",
    "deliveries_table",
    "generations_table",
    "metadata",
    "objects_table",
    "partner_tokens_table",
    "partners_table",
    "party_claims_table",
    "sync_marks_table",
]


#: A write counter per (kind, owner) of ``ocpi_objects``, bumped in the same transaction
#: as every write: readers compare it to serve repeated list requests from a cache.
generations_table = Table(
    "ocpi_generations",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("party_id", String(3), primary_key=True),
    Column("generation", BigInteger, nullable=False),
    #: How many objects of this kind the owner has: X-Total-Count without a COUNT scan.
    Column("objects", BigInteger, nullable=False, server_default="0"),
)


#: Which live connection holds each party key on each of our role trees: one row per
#: (``local_role``, party key) of a REGISTERING or REGISTERED partner, written in the same
#: transaction as the partner by :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyPartnerStore`.
#: The primary key makes two connections claiming one key on one tree impossible, even
#: when their registrations race.
party_claims_table = Table(
    "ocpi_party_claims",
    metadata,
    Column("local_role", String(16), primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("party_id", String(3), primary_key=True),
    Column(
        "partner_id",
        String(64),
        ForeignKey("ocpi_partners.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)


#: Commands awaiting (or having received) their asynchronous result
#: (:class:`~flask_ocpi.models.CommandRecord`), kept by
#: :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyCommandStore`. ``result`` is ``NULL``
#: while the command is pending; ``result_message`` holds the result's DisplayText list as JSON.
commands_table = Table(
    "ocpi_commands",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("type", String(32), nullable=False),
    Column("version", String(16), nullable=False),
    Column("response_url", String(512), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("result", String(32), nullable=True),
    Column("result_message", JSON, nullable=True),
    Column("completed", UTCDateTime, nullable=True),
    Column("delivered", Boolean, nullable=True),
    Index("ix_ocpi_commands_result_deadline", "result", "deadline"),
)

#: Outbound deliveries (:class:`~flask_ocpi.models.Delivery`), kept by
#: :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDeliveryStore`: one row per
#: (``partner_id``, ``module``, ``object_key``). ``payload`` and ``previous`` hold JSON
#: text; enums are stored as their string values.
deliveries_table = Table(
    "ocpi_deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("module", String(32), nullable=False),
    Column("object_key", String(255), nullable=False),
    Column("operation", String(16), nullable=False),
    Column("payload", Text, nullable=True),
    Column("previous", Text, nullable=True),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("next_attempt", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("partner_id", "module", "object_key", name="uq_ocpi_deliveries_key"),
    Index("ix_ocpi_deliveries_status_next_attempt", "status", "next_attempt"),
)

#: The last successful pull of each partner's module, kept by
#: :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemySyncStore`.
sync_marks_table = Table(
    "ocpi_sync_marks",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("module", String(32), primary_key=True),
    Column("synced_until", UTCDateTime, nullable=False),
)
