"""Fault injection: seeded, per route, changeable while the emulator runs.

Each request draws once from the emulator's fault stream (only when some fault is
enabled for its route, so a seed replays the same faults for the same sequence of
requests) and meets at most one fault:

* ``error_rate``: answered ``500`` with the ``INTERNAL_ERROR`` envelope, retryable;
* ``bad_gateway_rate``: answered ``502`` with an HTML page, as a proxy would;
* ``reset_rate``: the connection is reset before the operation takes effect;
* ``lost_response_rate``: the operation takes effect, then the connection is reset
  instead of answering (what a client sees when a response is lost in flight).

``latency`` (+ a uniform draw up to ``latency_jitter``) seconds are added to every
request of the route first.
"""

from __future__ import annotations

import enum
import random
import threading
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import field, frozen

__all__ = ["FaultConfig", "FaultDecision", "FaultInjector", "FaultKind", "RouteFaults"]

_RATES = ("error_rate", "bad_gateway_rate", "reset_rate", "lost_response_rate")
_FIELDS = (*_RATES, "latency", "latency_jitter")


def _fraction(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


def _seconds(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@frozen(kw_only=True)
class RouteFaults:
    """Per-route overrides: each field left ``None`` follows the global setting."""

    error_rate: float | None = field(default=None, validator=_fraction)
    bad_gateway_rate: float | None = field(default=None, validator=_fraction)
    reset_rate: float | None = field(default=None, validator=_fraction)
    lost_response_rate: float | None = field(default=None, validator=_fraction)
    latency: float | None = field(default=None, validator=_seconds)
    latency_jitter: float | None = field(default=None, validator=_seconds)


def _route_overrides(
    value: Mapping[str, RouteFaults | Mapping[str, Any]],
) -> dict[str, RouteFaults]:
    return {
        route: spec if isinstance(spec, RouteFaults) else RouteFaults(**spec)
        for route, spec in value.items()
    }


@frozen(kw_only=True)
class FaultConfig:
    """What goes wrong, and how often. All zero (the default) means nothing does.

    ``routes`` maps a route name (``"cancel"``, ``"get"``, ``"extract_runs.cancel"``, ...;
    ``ROUTE_NAMES`` lists every one, and a name no route has is a ``ValueError``) to a
    ``RouteFaults`` (or a plain dict of its fields) whose set fields replace the global
    ones for that route.
    """

    error_rate: float = field(default=0.0, validator=_fraction)
    bad_gateway_rate: float = field(default=0.0, validator=_fraction)
    reset_rate: float = field(default=0.0, validator=_fraction)
    lost_response_rate: float = field(default=0.0, validator=_fraction)
    latency: float = field(default=0.0, validator=_seconds)
    latency_jitter: float = field(default=0.0, validator=_seconds)
    routes: Mapping[str, RouteFaults] = field(factory=dict, converter=_route_overrides, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.routes:
            from ._route_table import check_route_names

            check_route_names(self.routes)
        for route in (None, *self.routes):
            settings = self._merged(route)
            total = sum(settings[name] for name in _RATES)
            if total > 1.0 + 1e-9:
                where = f"route {route!r}" if route else "the global settings"
                raise ValueError(f"fault rates of {where} add up to {total:.3f}, more than 1")

    def _merged(self, route: str | None) -> dict[str, float]:
        settings = {name: getattr(self, name) for name in _FIELDS}
        override = self.routes.get(route) if route is not None else None
        if override is not None:
            for name in _FIELDS:
                value = getattr(override, name)
                if value is not None:
                    settings[name] = value
        return settings

    def for_route(self, route: str | None) -> FaultConfig:
        """The settings that apply to ``route``, overrides folded in (no ``routes``)."""
        merged = self._merged(route)
        return FaultConfig(
            error_rate=merged["error_rate"],
            bad_gateway_rate=merged["bad_gateway_rate"],
            reset_rate=merged["reset_rate"],
            lost_response_rate=merged["lost_response_rate"],
            latency=merged["latency"],
            latency_jitter=merged["latency_jitter"],
        )

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in _FIELDS)


class FaultKind(enum.Enum):
    NONE = "none"
    INTERNAL_ERROR = "internal_error"
    BAD_GATEWAY = "bad_gateway"
    RESET = "reset"
    LOST_RESPONSE = "lost_response"


@frozen
class FaultDecision:
    kind: FaultKind
    latency: float


_NO_FAULT = FaultDecision(FaultKind.NONE, 0.0)


class FaultInjector:
    """Holds the current ``FaultConfig`` and decides each request's fate.

    ``config`` is replaced as a whole (one reference assignment), so changing it from a
    test thread while the emulator's loop reads it is safe.
    """

    def __init__(self, config: FaultConfig, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._config = config
        self._resolved: dict[str, FaultConfig] = {}

    @property
    def config(self) -> FaultConfig:
        return self._config

    @config.setter
    def config(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._resolved = {}

    def update(self, route: str | None = None, **changes: Any) -> FaultConfig:
        """Change some settings, globally or (``route="cancel"``) for one route only.

        >>> emu.faults.update(reset_rate=0.1)
        >>> emu.faults.update(route="cancel", lost_response_rate=0.5)
        """
        with self._lock:
            config = self._config
            if route is None:
                config = attrs.evolve(config, **changes)
            else:
                routes = dict(config.routes)
                routes[route] = attrs.evolve(routes.get(route, RouteFaults()), **changes)
                config = attrs.evolve(config, routes=routes)
            self._config = config
            self._resolved = {}
            return config

    def clear(self) -> None:
        """No faults anywhere."""
        self.config = FaultConfig()

    def decide(self, route: str) -> FaultDecision:
        resolved = self._resolved
        settings = resolved.get(route)
        if settings is None:
            settings = resolved[route] = self._config.for_route(route)
        if not settings.active:
            return _NO_FAULT
        rng = self._rng
        latency = settings.latency
        if settings.latency_jitter:
            latency += rng.random() * settings.latency_jitter
        draw = rng.random()
        for name, kind in (
            ("error_rate", FaultKind.INTERNAL_ERROR),
            ("bad_gateway_rate", FaultKind.BAD_GATEWAY),
            ("reset_rate", FaultKind.RESET),
            ("lost_response_rate", FaultKind.LOST_RESPONSE),
        ):
            rate: float = getattr(settings, name)
            if draw < rate:
                return FaultDecision(kind, latency)
            draw -= rate
        return FaultDecision(FaultKind.NONE, latency)
