"""Blocking facade over ``extend_async``: the same client, for code without an event loop.

>>> from extend_sync import Extend
>>> with Extend() as client:                       # EXTEND_API_KEY from the environment
...     run = client.classify_runs.cancel("clr_Xj8mK2pL9nR4vT7qY5wZ")
...     for summary in client.classify_runs.list(status="PROCESSING"):
...         print(summary.id)

The client and its resources are generated from ``extend_async`` by
``scripts/generate_sync.py`` (``extend_sync/_generated/``); the portal, the pager and
closing are hand-written. Models and errors are ``extend_async``'s own, re-exported here.
"""

from ._generated import *  # noqa: F403
from ._generated import __all__ as __all__
