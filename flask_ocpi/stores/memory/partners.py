"""In-memory :class:`~flask_ocpi.backends.PartnerStore` (thread-safe, per process)."""

from __future__ import annotations

import copy
import threading

from flask_ocpi.backends.partners import PartnerExists, PartnerStore, PartyTaken, StatusChanged, claims
from flask_ocpi.models import Partner, PartnerStatus


class MemoryPartnerStore(PartnerStore):
    """Keeps partners in a dict; returns copies so callers cannot mutate stored state.

    Every write checks, under one lock, the expected status, the token hashes and the
    party claims (computed from the stored partners) before changing anything.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._partners: dict[str, Partner] = {}
        self._by_token: dict[str, str] = {}

    def _check_tokens(self, partner: Partner) -> None:
        hashes = [g.token_hash for g in partner.grants]
        if len(set(hashes)) != len(hashes):
            raise ValueError("the same token hash is granted twice")
        for grant in partner.grants:
            owner = self._by_token.get(grant.token_hash)
            if owner is not None and owner != partner.id:
                raise ValueError("token hash already belongs to another partner")

    def _check_claims(self, partner: Partner) -> None:
        wanted = claims(partner)
        if not wanted:
            return
        taken = set().union(*(wanted & claims(o) for o in self._partners.values() if o.id != partner.id))
        if taken:
            raise PartyTaken.of(taken)

    def _index(self, partner: Partner) -> None:
        self._by_token = {h: pid for h, pid in self._by_token.items() if pid != partner.id}
        for grant in partner.grants:
            self._by_token[grant.token_hash] = partner.id

    def add(self, *, partner: Partner) -> None:
        with self._lock:
            if partner.id in self._partners:
                raise PartnerExists(partner.id)
            self._check_tokens(partner)
            self._check_claims(partner)
            self._partners[partner.id] = copy.deepcopy(partner)
            self._index(partner)

    def get(self, *, partner_id: str) -> Partner | None:
        with self._lock:
            partner = self._partners.get(partner_id)
            return copy.deepcopy(partner) if partner else None

    def find_by_token(self, *, token_hash: str) -> Partner | None:
        with self._lock:
            partner_id = self._by_token.get(token_hash)
            partner = self._partners.get(partner_id) if partner_id else None
            return copy.deepcopy(partner) if partner else None

    def list(self) -> list[Partner]:
        with self._lock:
            partners = sorted(self._partners.values(), key=lambda p: (p.created, p.id))
            return [copy.deepcopy(p) for p in partners]

    def save(self, *, partner: Partner, expected_status: PartnerStatus | None = None) -> None:
        with self._lock:
            stored = self._partners.get(partner.id)
            if stored is None:
                raise KeyError(partner.id)
            if expected_status is not None and stored.status is not expected_status:
                raise StatusChanged(partner.id, expected_status, stored.status)
            self._check_tokens(partner)
            self._check_claims(partner)
            self._partners[partner.id] = copy.deepcopy(partner)
            self._index(partner)

    def delete(self, *, partner_id: str) -> None:
        with self._lock:
            if self._partners.pop(partner_id, None) is not None:
                self._by_token = {h: p for h, p in self._by_token.items() if p != partner_id}
