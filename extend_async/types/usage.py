"""Credits a run consumed."""

from __future__ import annotations

from attrs import frozen

from ._base import Model
from ._enums import UsageRunType, UsageUnit

__all__ = ["RunUsage", "RunUsageSummary", "UsageBreakdownItem", "UsageCharge"]


@frozen(kw_only=True)
class UsageCharge(Model):
    product: str
    unit: UsageUnit | str
    quantity: float
    credits: float
    pages: tuple[int, ...] | None = None


@frozen(kw_only=True)
class UsageBreakdownItem(Model):
    object: UsageRunType | str
    id: str
    credits: float
    charges: tuple[UsageCharge, ...] | None = None


@frozen(kw_only=True)
class RunUsage(Model):
    credits: float
    total_credits: float | None = None
    breakdown: tuple[UsageBreakdownItem, ...] | None = None


@frozen(kw_only=True)
class RunUsageSummary(Model):
    """The usage block of a list item: no breakdown."""

    credits: float
    total_credits: float | None = None
