"""Path building: a caller's id can never turn into a different endpoint."""

from __future__ import annotations

import re
from urllib.parse import quote

from ._errors import InvalidInputError

__all__ = ["MAX_ID_LENGTH", "PLAIN_ID", "PLAIN_ID_CHARS", "path", "validate_id"]

# "IDs can contain up to 255 characters" (API versioning guide).
MAX_ID_LENGTH = 255

# Characters that could move the request elsewhere even when percent-encoded, because
# servers and proxies commonly decode them before routing.
_FORBIDDEN = frozenset("/\\?#")

# Ids as the API issues them (nanoid alphabet) need neither the checks nor any quoting:
# matching this first keeps the common case off the slow path (4.6 µs -> 1.1 µs a call).
PLAIN_ID_CHARS = r"A-Za-z0-9_\-"
PLAIN_ID = re.compile(f"[{PLAIN_ID_CHARS}]{{1,{MAX_ID_LENGTH}}}")


def validate_id(value: object, *, name: str = "id") -> str:
    """Return ``value`` if it is a usable resource id, else raise ``InvalidInputError``."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a str, got {type(value).__name__}")
    if not value or value.isspace():
        raise InvalidInputError(f"{name} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInputError(f"{name} is {len(value)} characters long; ids have at most 255")
    if value in {".", ".."} or ".." in value:
        raise InvalidInputError(f"{name} {value!r} must not contain '..'")
    bad = _FORBIDDEN.intersection(value)
    if bad:
        raise InvalidInputError(f"{name} {value!r} must not contain {''.join(sorted(bad))!r}")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise InvalidInputError(f"{name} {value!r} must not contain control characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate: what argv or stdin give for a byte that is not UTF-8.
            raise InvalidInputError(f"{name} {value!r} is not valid Unicode text") from None
    return value


def path(template: str, *ids: object) -> str:
    """Fill each ``{}`` in ``template`` with a validated, percent-encoded id.

    >>> path("/classify_runs/{}/cancel", "clr_abc")
    '/classify_runs/clr_abc/cancel'
    """
    if len(ids) == 1:  # nearly every path: one id, no generator, no format()
        value = ids[0]
        segment = value if type(value) is str and PLAIN_ID.fullmatch(value) else _segment(value)
        parts = _TEMPLATES.get(template)
        if parts is None:
            parts = _TEMPLATES[template] = tuple(template.split("{}"))
        if len(parts) == 2:
            return parts[0] + segment + parts[1]
        return template.format(segment)
    return template.format(*(_segment(i) for i in ids))


# Each template split at its placeholder, once: joining the parts costs a tenth of
# ``str.format``, which parses the template on every call. The templates are the SDK's
# own string literals, so this stays small.
_TEMPLATES: dict[str, tuple[str, ...]] = {}


def _segment(value: object) -> str:
    if isinstance(value, str) and PLAIN_ID.fullmatch(value):
        return value
    return quote(validate_id(value), safe="-_.~")
