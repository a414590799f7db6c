"""Classifiers and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from attrs import frozen

from ._base import Model
from .config import ClassifyConfig, ClassifyOverrideConfig

__all__ = [
    "Classifier",
    "ClassifierRef",
    "ClassifierSummary",
    "ClassifierVersion",
    "ClassifierVersionSummary",
    "CreatedBy",
    "ReleaseType",
]

# How a published version's number is bumped: "0.1" -> "0.2" (minor) or "1.0" (major).
ReleaseType = Literal["major", "minor"]


@frozen(kw_only=True)
class CreatedBy(Model):
    """Who made a version: ``type`` ``"user"`` (with ``email``) or ``"api_key"`` (``name``)."""

    type: str
    email: str | None = None
    name: str | None = None


@frozen(kw_only=True)
class ClassifierSummary(Model):
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    object: str = "classifier"


@frozen(kw_only=True)
class ClassifierVersionSummary(Model):
    id: str
    version: str
    classifier_id: str
    created_at: datetime
    object: str = "classifier_version"
    description: str | None = None
    created_by: CreatedBy | None = None


@frozen(kw_only=True)
class ClassifierVersion(Model):
    id: str
    version: str
    classifier_id: str
    created_at: datetime
    config: ClassifyConfig
    object: str = "classifier_version"
    description: str | None = None
    created_by: CreatedBy | None = None


@frozen(kw_only=True)
class Classifier(Model):
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    draft_version: ClassifierVersion
    object: str = "classifier"


@frozen(kw_only=True)
class ClassifierRef:
    """Which classifier a run uses: ``version`` is ``"latest"``, ``"draft"`` or a number."""

    id: str
    version: str | None = None
    override_config: ClassifyOverrideConfig | None = None
