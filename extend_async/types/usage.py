"""Credits a run consumed."""

from __future__ import annotations

from attrs import frozen

__all__ = ["RunUsage", "RunUsageSummary", "UsageBreakdownItem", "UsageCharge"]


@frozen(kw_only=True)
class UsageCharge:
    product: str
    unit: str
    quantity: float
    credits: float
    pages: tuple[int, ...] | None = None


@frozen(kw_only=True)
class UsageBreakdownItem:
    object: str
    id: str
    credits: float
    charges: tuple[UsageCharge, ...] | None = None


@frozen(kw_only=True)
class RunUsage:
    credits: float
    total_credits: float | None = None
    breakdown: tuple[UsageBreakdownItem, ...] | None = None


@frozen(kw_only=True)
class RunUsageSummary:
    """The usage block of a list item: no breakdown."""

    credits: float
    total_credits: float | None = None
