"""Outbound work: pushing our changes to partners and pulling theirs.

* :mod:`~flask_ocpi.outbound.push`: changes become stored deliveries, delivered until they converge.
* :mod:`~flask_ocpi.outbound.dispatch`: what runs deliveries (thread, inline, store only).
* :mod:`~flask_ocpi.outbound.sync`: pulling a partner's lists into our receiver backends.
"""
