"""A client attribute whose class is imported on first access (``client.extract_runs``).

``import extend_async`` loads no resource module and no model group: each resource's module
(and the models it names) is imported when its attribute is first read, then the made
resource is kept on the instance, so later reads are plain attribute lookups.
"""

from __future__ import annotations

import importlib
from typing import Any, Generic, TypeVar, overload

__all__ = ["LazyResource"]

T = TypeVar("T")


class LazyResource(Generic[T]):
    """``name`` of ``module``, made by the owner's ``_resource(cls, attribute)`` on first
    read (a non-data descriptor: the instance's own attribute wins from then on)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.attribute = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> LazyResource[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cls = getattr(importlib.import_module(self.module), self.name)
        made = instance._resource(cls, self.attribute)  # type: ignore[attr-defined]
        # Two threads reading it first make two equal resources; either one is kept.
        instance.__dict__[self.attribute] = made
        return made

    def __repr__(self) -> str:
        return f"LazyResource({self.module!r}, {self.name!r})"
