"""The mapping forms of request inputs, as ``TypedDict``s with the API's own (camelCase) keys.

Every input that takes an attrs class (``FileFromUrl``, ``ClassifierRef``, ``ClassifyConfig``,
``BatchInput``) also takes a plain mapping, which is sent as it is. These say which keys such a
mapping has, so that a type checker catches ``{"URL": ...}`` in a dict literal; a nested value
may be the model or its mapping. The keys follow the API's schema (``tests/unit/test_params.py``
and ``tests/unit/test_request_dicts.py`` check). The dicts of every other request input are
generated (``_generated/params.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from .files import FileInput

if TYPE_CHECKING:
    from ._generated.params import ClassifyAdvancedOptionsDict, ParseConfigDict
    from .config import (
        Classification,
        ClassifyAdvancedOptions,
        ClassifyOverrideConfig,
        ParseConfig,
    )
    from .files import FileSettings

__all__ = [
    "BatchInputDict",
    "ClassificationDict",
    "ClassifierRefDict",
    "ClassifyConfigDict",
    "ClassifyOverrideConfigDict",
    "FileFromIdDict",
    "FileFromTextDict",
    "FileFromUrlDict",
    "FileInputDict",
    "FileSettingsDict",
]

# Required keys sit in a private base class: ``typing.Required`` needs Python 3.11.


class FileSettingsDict(TypedDict, total=False):
    password: str


class _FileFromUrlKeys(TypedDict):
    url: str


class FileFromUrlDict(_FileFromUrlKeys, total=False):
    """``FileFromUrl`` as a mapping: ``{"url": ..., "name": ..., "settings": ...}``."""

    name: str
    settings: FileSettings | FileSettingsDict


class FileFromIdDict(TypedDict):
    """``FileFromId`` as a mapping: ``{"id": "file_..."}``."""

    id: str


class _FileFromTextKeys(TypedDict):
    text: str


class FileFromTextDict(_FileFromTextKeys, total=False):
    """``FileFromText`` as a mapping: ``{"text": ..., "name": ...}``."""

    name: str


FileInputDict = FileFromUrlDict | FileFromIdDict | FileFromTextDict


class ClassificationDict(TypedDict):
    id: str
    type: str
    description: str


class ClassifyOverrideConfigDict(TypedDict, total=False):
    """``ClassifyOverrideConfig`` as a mapping: only the keys given override."""

    baseProcessor: str
    baseVersion: str
    classifications: Sequence[Classification | ClassificationDict]
    classificationRules: str
    advancedOptions: ClassifyAdvancedOptions | ClassifyAdvancedOptionsDict
    parseConfig: ParseConfig | ParseConfigDict


class _ClassifyConfigKeys(TypedDict):
    classifications: Sequence[Classification | ClassificationDict]


class ClassifyConfigDict(_ClassifyConfigKeys, total=False):
    """``ClassifyConfig`` as a mapping."""

    baseProcessor: str
    baseVersion: str
    classificationRules: str
    advancedOptions: ClassifyAdvancedOptions | ClassifyAdvancedOptionsDict
    parseConfig: ParseConfig | ParseConfigDict


class _ClassifierRefKeys(TypedDict):
    id: str


class ClassifierRefDict(_ClassifierRefKeys, total=False):
    """``ClassifierRef`` as a mapping: ``{"id": "cl_...", "version": ..., ...}``."""

    version: str
    overrideConfig: ClassifyOverrideConfig | ClassifyOverrideConfigDict


class _BatchInputKeys(TypedDict):
    file: FileInput | FileInputDict


class BatchInputDict(_BatchInputKeys, total=False):
    """One input of a batch as a mapping; ``file`` may be an attrs input or a mapping."""

    metadata: Mapping[str, Any]
