"""SQLAlchemy :class:`~flask_ocpi.backends.PartnerStore`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_ocpi.backends.partners import PartnerExists, PartnerStore
from flask_ocpi.backends.sqlalchemy.base import SQLAlchemyBackendBase
from flask_ocpi.backends.sqlalchemy.tables import partner_tokens_table as tokens
from flask_ocpi.backends.sqlalchemy.tables import partners_table as partners
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    Image,
    ImageCategory,
    InterfaceRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)

logger = logging.getLogger("flask_ocpi")

JSONDict = dict[str, Any]


# --- JSON columns -------------------------------------------------------------------


def _image_to_json(image: Image) -> JSONDict:
    return {
        "url": image.url,
        "category": image.category.value,
        "type": image.type,
        "thumbnail": image.thumbnail,
        "width": image.width,
        "height": image.height,
    }


def _image_from_json(data: Mapping[str, Any]) -> Image:
    return Image(
        url=data["url"],
        category=ImageCategory(data["category"]),
        type=data["type"],
        thumbnail=data.get("thumbnail"),
        width=data.get("width"),
        height=data.get("height"),
    )


def _role_to_json(role: CredentialsRole) -> JSONDict:
    details = role.business_details
    return {
        "role": role.role.value,
        "country_code": role.country_code,
        "party_id": role.party_id,
        "business_details": {
            "name": details.name,
            "website": details.website,
            "logo": _image_to_json(details.logo) if details.logo is not None else None,
        },
    }


def _role_from_json(data: Mapping[str, Any]) -> CredentialsRole:
    details = data["business_details"]
    logo = details.get("logo")
    return CredentialsRole(
        role=Role(data["role"]),
        country_code=data["country_code"],
        party_id=data["party_id"],
        business_details=BusinessDetails(
            name=details["name"],
            website=details.get("website"),
            logo=_image_from_json(logo) if logo is not None else None,
        ),
    )


def _endpoint_to_json(endpoint: Endpoint) -> JSONDict:
    return {
        "identifier": endpoint.identifier,
        "url": endpoint.url,
        "role": endpoint.role.value if endpoint.role is not None else None,
    }


def _endpoint_from_json(data: Mapping[str, Any]) -> Endpoint:
    role = data.get("role")
    return Endpoint(
        identifier=data["identifier"],
        url=data["url"],
        role=InterfaceRole(role) if role is not None else None,
    )


# --- rows -----------------------------------------------------------------------------


def _partner_values(partner: Partner) -> JSONDict:
    """The ``ocpi_partners`` row of ``partner``."""
    return {
        "id": partner.id,
        "local_country_code": partner.local_party.country_code,
        "local_party_id": partner.local_party.party_id,
        "local_role": partner.local_role.value if partner.local_role is not None else None,
        "status": partner.status.value,
        "name": partner.name,
        "versions_url": partner.versions_url,
        "version": partner.version,
        "roles": [_role_to_json(r) for r in partner.roles],
        "endpoints": [_endpoint_to_json(e) for e in partner.endpoints],
        "outbound_token": partner.outbound_token,
        "created": partner.created,
        "updated": partner.updated,
    }


def _grant_values(partner: Partner) -> list[JSONDict]:
    """The ``ocpi_partner_tokens`` rows of ``partner``'s grants, in order."""
    return [
        {
            "token_hash": grant.token_hash,
            "partner_id": partner.id,
            "scope": grant.scope.value,
            "position": position,
            "created": grant.created,
        }
        for position, grant in enumerate(partner.grants)
    ]


def _grant_from_row(row: Mapping[str, Any] | RowMapping) -> TokenGrant:
    return TokenGrant(token_hash=row["token_hash"], scope=TokenScope(row["scope"]), created=row["created"])


def _partner_from_row(row: RowMapping, grants: Iterable[TokenGrant]) -> Partner:
    local_role = row["local_role"]
    return Partner(
        id=row["id"],
        local_party=PartyKey(row["local_country_code"], row["local_party_id"]),
        status=PartnerStatus(row["status"]),
        local_role=Role(local_role) if local_role is not None else None,
        name=row["name"],
        versions_url=row["versions_url"],
        version=row["version"],
        roles=[_role_from_json(r) for r in row["roles"] or ()],
        endpoints=[_endpoint_from_json(e) for e in row["endpoints"] or ()],
        outbound_token=row["outbound_token"],
        grants=list(grants),
        created=row["created"],
        updated=row["updated"],
    )


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
    """Keeps partners in the ``ocpi_partners`` and ``ocpi_partner_tokens`` tables.

    Every operation runs in one transaction; returned partners are new objects that
    are not tied to any session. :meth:`find_by_token` is a primary-key lookup on
    ``ocpi_partner_tokens`` joined to ``ocpi_partners``, followed by one query for the
    partner's grants.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see
        :mod:`flask_ocpi.backends.sqlalchemy.base`).
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
        grants = (_grant_from_row({c.name: row[f"grant_{c.name}"] for c in _GRANT.c}) for row in rows)
        return _partner_from_row(rows[0], grants)

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
                grants.setdefault(grant_row["partner_id"], []).append(_grant_from_row(grant_row))
            return [_partner_from_row(row, grants.get(row["id"], ())) for row in rows]

    @staticmethod
    def _load(session: Session, row: RowMapping) -> Partner:
        """Build the partner of ``row``, loading its grants with one query."""
        grant_rows = session.execute(
            select(tokens).where(tokens.c.partner_id == row["id"]).order_by(tokens.c.position)
        ).mappings()
        return _partner_from_row(row, (_grant_from_row(g) for g in grant_rows))

    # -- writes --

    def add(self, *, partner: Partner) -> None:
        """Store a new partner.

        :raises PartnerExists: when a partner with the same id exists.
        :raises ValueError: when one of its token hashes already belongs to another partner.
        """
        self._check_grants(partner)
        try:
            with self._transaction() as session:
                if self._exists(session, partner.id):
                    raise PartnerExists(partner.id)
                self._check_owners(session, partner)
                session.execute(insert(partners), [_partner_values(partner)])
                self._insert_grants(session, partner)
        except IntegrityError as exc:
            # A concurrent writer won the race between our checks and our inserts.
            if self.get(partner_id=partner.id) is not None:
                raise PartnerExists(partner.id) from exc
            raise ValueError("token hash already belongs to another partner") from exc
        logger.debug("OCPI partner %s added", partner.id)

    def save(self, *, partner: Partner) -> None:
        """Replace a stored partner (all fields and grants) atomically.

        :raises KeyError: when no partner with this id is stored.
        :raises ValueError: when one of its token hashes already belongs to another partner.
        """
        self._check_grants(partner)
        values = _partner_values(partner)
        del values["id"]
        try:
            with self._transaction() as session:
                # The UPDATE comes first: it both detects a missing partner and locks
                # the row against concurrent saves and deletes until we commit.
                updated = session.execute(update(partners).where(partners.c.id == partner.id).values(values))
                if not getattr(updated, "rowcount", 0):
                    raise KeyError(partner.id)
                self._check_owners(session, partner)
                session.execute(delete(tokens).where(tokens.c.partner_id == partner.id))
                self._insert_grants(session, partner)
        except IntegrityError as exc:
            # A concurrent writer took one of the hashes between our check and insert.
            raise ValueError("token hash already belongs to another partner") from exc
        logger.debug("OCPI partner %s saved", partner.id)

    def delete(self, *, partner_id: str) -> None:
        """Remove a partner and its grants; no error when it does not exist."""
        with self._transaction() as session:
            # Explicit, as SQLite does not enforce ON DELETE CASCADE unless told to.
            session.execute(delete(tokens).where(tokens.c.partner_id == partner_id))
            result = session.execute(delete(partners).where(partners.c.id == partner_id))
        if getattr(result, "rowcount", 0):
            logger.debug("OCPI partner %s deleted", partner_id)

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
        rows = _grant_values(partner)
        if rows:
            session.execute(insert(tokens), rows)


__all__ = ["SQLAlchemyPartnerStore"]
