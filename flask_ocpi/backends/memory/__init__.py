"""In-memory backends: for tests, demos and as a reference implementation."""

from flask_ocpi.backends.memory.partners import MemoryPartnerStore

__all__ = ["MemoryPartnerStore"]
