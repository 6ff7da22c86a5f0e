"""Bounds of received JSON: how deep and how long, checked without recursion.

Used on every request body under the OCPI prefix (:mod:`flask_ocpi.transport.body`, with
``OCPI_MAX_JSON_DEPTH`` and ``OCPI_MAX_LIST_LENGTH``) and on every answer a partner sends
the client (:mod:`flask_ocpi.transport.http`), so no received document, however nested, can
make Flask-OCPI recurse past Python's limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_ocpi.config import DEFAULTS
from flask_ocpi.exceptions import InvalidJson, InvalidOrMissingParameters


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """The bounds of a received JSON document.

    :param max_depth: most arrays/objects nested in one another (``{}`` is 1).
    :param max_list_length: most items in one array.
    """

    max_depth: int = DEFAULTS["OCPI_MAX_JSON_DEPTH"]
    max_list_length: int = DEFAULTS["OCPI_MAX_LIST_LENGTH"]


def _path(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "body"


def check_json(data: Any, limits: JsonLimits) -> None:
    """Refuse a loaded JSON document breaking ``limits``.

    Walks the document without recursion (its depth is what is being checked). Numbers are
    left to the schemas: each OCPI number field has its range, and unknown fields are dropped.

    :raises InvalidOrMissingParameters: (2001) naming the field.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            children: Any = value.items()
        elif isinstance(value, list):
            if len(value) > limits.max_list_length:
                raise InvalidOrMissingParameters(
                    f"{_path(path)}: more than {limits.max_list_length} items ({len(value)}; OCPI_MAX_LIST_LENGTH)"
                )
            children = enumerate(value)
        else:
            continue
        if len(path) >= limits.max_depth:
            raise InvalidOrMissingParameters(
                f"{_path(path[:1])}: nested deeper than {limits.max_depth} levels (OCPI_MAX_JSON_DEPTH)"
            )
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((child, (*path, key)))


def parse_json(raw: bytes | str, limits: JsonLimits, *, decimals: bool = True) -> Any:
    """Parse a received JSON document within ``limits``.

    :param decimals: numbers with decimals (and ``NaN``/``Infinity``, for the schemas to
        refuse) as :class:`~decimal.Decimal`; ``False``: as the standard library parses them.
    :raises InvalidJson: (HTTP 400, 2001) when ``raw`` is not JSON.
    :raises InvalidOrMissingParameters: (2001) naming the field that breaks the limits.
    """
    numbers: dict[str, Any] = {"parse_float": Decimal, "parse_constant": Decimal} if decimals else {}
    try:
        data = json.loads(raw, **numbers)
    except RecursionError:
        raise InvalidOrMissingParameters(
            f"body: nested deeper than {limits.max_depth} levels (OCPI_MAX_JSON_DEPTH)"
        ) from None
    except ValueError:  # also UnicodeDecodeError, and integers of more than 4300 digits
        raise InvalidJson() from None
    check_json(data, limits)
    return data


__all__ = ["JsonLimits", "check_json", "parse_json"]
