"""SQLAlchemy :class:`~flask_ocpi.backends.PartnerStore`."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from flask_ocpi.backends.partners import CLAIMING, PartnerExists, PartnerStore, PartyTaken, StatusChanged, claims
from flask_ocpi.models import Partner, PartnerStatus, PartyKey, Role, TokenGrant
from flask_ocpi.stores.sqlalchemy.base import SQLAlchemyBackendBase
from flask_ocpi.stores.sqlalchemy.partner_rows import (
    JSONDict,
    claim_values,
    grant_from_row,
    grant_values,
    partner_from_row,
    partner_values,
)
from flask_ocpi.stores.sqlalchemy.tables import partner_tokens_table as tokens
from flask_ocpi.stores.sqlalchemy.tables import partners_table as partners
from flask_ocpi.stores.sqlalchemy.tables import party_claims_table as party_claims

logger = logging.getLogger("flask_ocpi")


# --- the store ------------------------------------------------------------------------


# Built once: authentication runs this on every request that misses the auth cache.
_MATCH, _GRANT = tokens.alias("match"), tokens.alias("grant")
_BY_TOKEN = (
    select(partners, *(c.label(f"grant_{c.name}") for c in _GRANT.c))
    .join(_MATCH, _MATCH.c.partner_id == partners.c.id)
    .join(_GRANT, _GRANT.c.partner_id == partners.c.id)
    .where(_MATCH.c.token_hash == bindparam("token_hash"))
    .order_by(_GRANT.c.position)
)


class SQLAlchemyPartnerStore(SQLAlchemyBackendBase, PartnerStore):
    """Keeps partners in the ``ocpi_partners``, ``ocpi_partner_tokens`` and
    ``ocpi_party_claims`` tables.

    Every operation runs in one transaction; returned partners are new objects that
    are not tied to any session. :meth:`find_by_token` is a primary-key lookup on
    ``ocpi_partner_tokens`` joined to ``ocpi_partners``, followed by one query for the
    partner's grants. Party claims are rows keyed by (tree, party key), rewritten with
    the partner in :meth:`add` and :meth:`save`: a concurrent claim of the same key
    fails on that primary key and is reported as :class:`~flask_ocpi.backends.PartyTaken`.
    Databases created before ``ocpi_party_claims`` existed need :meth:`backfill_claims`
    once, those created before ``ocpi_partners.local_roles`` existed
    :meth:`backfill_local_roles` (:meth:`create_tables` runs both).

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see
        :mod:`flask_ocpi.stores.sqlalchemy.base`).
    """

    # -- reads --

    def get(self, *, partner_id: str) -> Partner | None:
        """The partner with this id, or ``None``."""
        with self._transaction() as session:
            row = session.execute(select(partners).where(partners.c.id == partner_id))
            found = row.mappings().first()
            return self._load(session, found) if found is not None else None

    def find_by_token(self, *, token_hash: str) -> Partner | None:
        """The partner holding a grant with this token hash, or ``None``.

        One statement (it runs on every OCPI request): the matching grant selects the
        partner, joined with all of the partner's grants.
        """
        with self._transaction() as session:
            rows = session.execute(_BY_TOKEN, {"token_hash": token_hash}).mappings().all()
        if not rows:
            return None
        grants = (grant_from_row({c.name: row[f"grant_{c.name}"] for c in _GRANT.c}) for row in rows)
        return partner_from_row(rows[0], grants)

    def list(self) -> list[Partner]:
        """All partners, oldest first (ties broken by id)."""
        with self._transaction() as session:
            rows = session.execute(select(partners).order_by(partners.c.created, partners.c.id)).mappings().all()
            if not rows:
                return []
            grants: dict[str, list[TokenGrant]] = {}
            for grant_row in session.execute(
                select(tokens).order_by(tokens.c.partner_id, tokens.c.position)
            ).mappings():
                grants.setdefault(grant_row["partner_id"], []).append(grant_from_row(grant_row))
            return [partner_from_row(row, grants.get(row["id"], ())) for row in rows]

    @staticmethod
    def _load(session: Session, row: RowMapping) -> Partner:
        """Build the partner of ``row``, loading its grants with one query."""
        grant_rows = session.execute(
            select(tokens).where(tokens.c.partner_id == row["id"]).order_by(tokens.c.position)
        ).mappings()
        return partner_from_row(row, (grant_from_row(g) for g in grant_rows))

    # -- writes --

    def add(self, *, partner: Partner) -> None:
        """Store a new partner.

        :raises PartnerExists: when a partner with the same id exists.
        :raises PartyTaken: when another partner claims one of its parties on its tree.
        :raises ValueError: when one of its token hashes already belongs to another partner.
        """
        self._check_grants(partner)
        try:
            with self._transaction() as session:
                if self._exists(session, partner.id):
                    raise PartnerExists(partner.id)
                self._check_owners(session, partner)
                self._check_claims(session, partner)
                session.execute(insert(partners), [partner_values(partner)])
                self._insert_grants(session, partner)
                self._insert_claims(session, partner)
        except _ClaimLost:
            raise self._taken(partner) from None
        except IntegrityError as exc:
            # A concurrent writer won the race between our checks and our inserts.
            if self.get(partner_id=partner.id) is not None:
                raise PartnerExists(partner.id) from exc
            raise ValueError("token hash already belongs to another partner") from exc
        logger.debug("OCPI partner %s added", partner.id)

    def save(self, *, partner: Partner, expected_status: PartnerStatus | None = None) -> None:
        """Replace a stored partner (all fields, grants and party claims) atomically.

        With ``expected_status`` the UPDATE carries ``AND status = :expected``: of two
        concurrent conditional saves, the second waits for the first's row lock and then
        matches no row.

        :raises KeyError: when no partner with this id is stored.
        :raises StatusChanged: when the stored status is not ``expected_status``.
        :raises PartyTaken: when another partner claims one of its parties on its tree.
        :raises ValueError: when one of its token hashes already belongs to another partner.
        """
        self._check_grants(partner)
        values = partner_values(partner)
        del values["id"]
        row = partners.c.id == partner.id
        if expected_status is not None:
            row = and_(row, partners.c.status == expected_status.value)
        try:
            with self._transaction() as session:
                # The UPDATE comes first: it both detects a missing partner (or a changed
                # status) and locks the row against concurrent saves and deletes until we commit.
                updated = session.execute(update(partners).where(row).values(values))
                if not getattr(updated, "rowcount", 0):
                    status = session.execute(select(partners.c.status).where(partners.c.id == partner.id)).scalar()
                    if status is None or expected_status is None:
                        raise KeyError(partner.id)
                    raise StatusChanged(partner.id, expected_status, PartnerStatus(status))
                self._check_owners(session, partner)
                self._check_claims(session, partner)
                session.execute(delete(tokens).where(tokens.c.partner_id == partner.id))
                self._insert_grants(session, partner)
                session.execute(delete(party_claims).where(party_claims.c.partner_id == partner.id))
                self._insert_claims(session, partner)
        except _ClaimLost:
            raise self._taken(partner) from None
        except IntegrityError as exc:
            # A concurrent writer took one of the hashes between our check and insert.
            raise ValueError("token hash already belongs to another partner") from exc
        logger.debug("OCPI partner %s saved", partner.id)

    def delete(self, *, partner_id: str) -> None:
        """Remove a partner, its grants and its claims; no error when it does not exist."""
        with self._transaction() as session:
            # Explicit, as SQLite does not enforce ON DELETE CASCADE unless told to.
            session.execute(delete(tokens).where(tokens.c.partner_id == partner_id))
            session.execute(delete(party_claims).where(party_claims.c.partner_id == partner_id))
            result = session.execute(delete(partners).where(partners.c.id == partner_id))
        if getattr(result, "rowcount", 0):
            logger.debug("OCPI partner %s deleted", partner_id)

    def create_tables(self) -> None:
        """Create (and upgrade) the Flask-OCPI tables, then :meth:`backfill_local_roles` and
        :meth:`backfill_claims`."""
        super().create_tables()
        self.backfill_local_roles()
        self.backfill_claims()

    def backfill_local_roles(self) -> int:
        """Fill ``ocpi_partners.local_roles`` of the rows written before the column existed
        from their ``local_role`` (idempotent: only rows whose ``local_roles`` is ``NULL``;
        run it once after adding the column). Until then such rows read the same anyway.

        :returns: the number of rows filled.
        """
        with self._transaction() as session:
            result = session.execute(
                update(partners)
                .where(partners.c.local_roles.is_(None))
                .values(local_roles=func.coalesce(partners.c.local_role, ""))
            )
        filled = int(getattr(result, "rowcount", 0) or 0)
        if filled:
            logger.info("OCPI partners' local roles backfilled: %d", filled)
        return filled

    def backfill_claims(self) -> int:
        """Write the missing ``ocpi_party_claims`` rows of the partners stored before the table
        existed (idempotent; run it once after migrating to a release with that table).

        Partners are taken oldest first; a key two stored partners already claim on one
        tree goes to the older one and the younger is logged as a conflict to resolve
        (unregister one of them). :returns: the number of claims written.
        """
        with self._transaction() as session:
            rows = _missing_claims(session)
            if rows:
                session.execute(insert(party_claims), rows)
        if rows:
            logger.info("OCPI party claims backfilled: %d", len(rows))
        return len(rows)

    @staticmethod
    def _exists(session: Session, partner_id: str) -> bool:
        """Whether a partner with this id is stored."""
        found = session.execute(select(partners.c.id).where(partners.c.id == partner_id))
        return found.first() is not None

    @staticmethod
    def _check_grants(partner: Partner) -> None:
        """Reject a partner listing the same token hash twice."""
        hashes = [g.token_hash for g in partner.grants]
        if len(set(hashes)) != len(hashes):
            raise ValueError("the same token hash appears twice in the partner's grants")

    @staticmethod
    def _check_owners(session: Session, partner: Partner) -> None:
        """Reject token hashes that belong to another partner."""
        hashes: Sequence[str] = [g.token_hash for g in partner.grants]
        if not hashes:
            return
        taken = session.execute(
            select(tokens.c.token_hash)
            .where(tokens.c.token_hash.in_(hashes), tokens.c.partner_id != partner.id)
            .limit(1)
        ).first()
        if taken is not None:
            raise ValueError("token hash already belongs to another partner")

    @staticmethod
    def _insert_grants(session: Session, partner: Partner) -> None:
        """Insert the rows of ``partner``'s grants."""
        rows = grant_values(partner)
        if rows:
            session.execute(insert(tokens), rows)

    @staticmethod
    def _check_claims(session: Session, partner: Partner) -> None:
        """Reject claims another partner holds (the friendly early check; the primary key decides)."""
        taken = _claimed_by_others(session, partner)
        if taken:
            raise PartyTaken.of(taken)

    @staticmethod
    def _insert_claims(session: Session, partner: Partner) -> None:
        """Insert the rows of ``partner``'s claims; a concurrent claim of one of them raises :class:`_ClaimLost`."""
        rows = claim_values(partner)
        if rows:
            try:
                session.execute(insert(party_claims), rows)
            except IntegrityError as exc:
                raise _ClaimLost() from exc

    def _taken(self, partner: Partner) -> PartyTaken:
        """The error of a claim lost to a concurrent writer, naming the keys now held by others."""
        with self._transaction() as session:
            taken = _claimed_by_others(session, partner)
        return PartyTaken.of(taken or claims(partner))


def _claimed_by_others(session: Session, partner: Partner) -> list[tuple[Role, PartyKey]]:
    """Those of ``partner``'s claims (our role tree, party key) another partner holds."""
    wanted = claims(partner)
    if not wanted:
        return []
    rows = session.execute(
        select(party_claims.c.local_role, party_claims.c.country_code, party_claims.c.party_id).where(
            party_claims.c.partner_id != partner.id,
            or_(*(_is_claim(role, key) for role, key in sorted(wanted, key=str))),
        )
    )
    return [(Role(role), PartyKey(country_code, party_id)) for role, country_code, party_id in rows]


def _missing_claims(session: Session) -> list[JSONDict]:
    """The claim rows the live partners should have and do not (see ``backfill_claims``)."""
    held = {(r.local_role, r.country_code, r.party_id): r.partner_id for r in session.execute(select(party_claims))}
    existing = set(held)
    live = session.execute(
        select(partners)
        .where(
            partners.c.status.in_([s.value for s in CLAIMING]),
            or_(partners.c.local_roles.is_not(None), partners.c.local_role.is_not(None)),
        )
        .order_by(partners.c.created, partners.c.id)
    ).mappings()
    rows: list[JSONDict] = []
    for found in live:
        for claim in claim_values(partner_from_row(found, ())):
            key = (claim["local_role"], claim["country_code"], claim["party_id"])
            holder = held.setdefault(key, claim["partner_id"])
            if holder != claim["partner_id"]:
                logger.warning(
                    "OCPI partners %s and %s both claim %s-%s on our %s tree: %s keeps it, resolve the other",
                    holder,
                    claim["partner_id"],
                    key[1],
                    key[2],
                    key[0],
                    holder,
                )
            elif key not in existing:
                rows.append(claim)
    return rows


def _is_claim(role: Role, key: PartyKey) -> ColumnElement[bool]:
    """The ``ocpi_party_claims`` row of party ``key`` on our ``role`` tree."""
    return and_(
        party_claims.c.local_role == role.value,
        party_claims.c.country_code == key.country_code,
        party_claims.c.party_id == key.party_id,
    )


class _ClaimLost(Exception):
    """Inside a failed transaction: a claim row collided with a concurrent writer's."""


__all__ = ["SQLAlchemyPartnerStore"]
