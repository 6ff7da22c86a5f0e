"""The wire, both ways: the inbound request pipeline and the outbound HTTP client.

Inbound, every OCPI request passes one pipeline (:mod:`flask_ocpi.transport.blueprints`):
request ids, the body limit, authentication and token scope, then a view, then the
request-id headers; any exception is answered by the one error handler
(:mod:`flask_ocpi.transport.errors`). Each protocol rule lives in one module here:
envelope, pagination headers, body reading, urls, OpenAPI. Outbound,
:class:`~flask_ocpi.transport.http.OcpiHttp` makes every call to a partner.
"""
