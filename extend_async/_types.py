"""Types of the per-call escape hatches every resource method takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Body", "Headers", "Query"]

# Merged over what the SDK sends: a header, query parameter or body field the SDK does
# not know yet can be sent without waiting for a release.
Headers = Mapping[str, str]
Query = Mapping[str, Any]
Body = Mapping[str, Any]
