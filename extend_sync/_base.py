"""What the generated ``Extend`` has beyond ``AsyncExtend``'s surface. Hand-written.

The portal it shares with clients derived by ``with_options``, ``close()``, ``with`` and
the repr.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, TypeVar

from extend_async import AsyncExtend

from ._portal import Portal

__all__ = ["ClientBase"]

ClientT = TypeVar("ClientT", bound="ClientBase")


class ClientBase:
    """The blocking Extend client: ``AsyncExtend``'s methods, run on one event loop.

    ``api_key``, ``base_url`` and ``workspace_id`` fall back to ``EXTEND_API_KEY``,
    ``EXTEND_BASE_URL`` and ``EXTEND_WORKSPACE_ID``. ``region`` picks a documented
    deployment (``"us"``, ``"us2"``, ``"eu1"``) instead of a base URL.

    The loop runs in a daemon thread started on first use and shared, with the connection
    pool, by every client derived with ``with_options``; any number of threads may call
    one client at once. Use it as a context manager, or call ``close()`` when done.

    Callbacks passed to its methods run in the loop thread: calling this client from
    one raises ``PortalThreadError``. Async code should use ``AsyncExtend`` instead.
    """

    _async: AsyncExtend
    _portal: Portal

    def _setup(self, client: AsyncExtend, portal: Portal | None = None) -> None:
        self._async = client
        # The async client has no public handle on its connection pool; the portal needs
        # it to close the pool inside its loop, and to drop it in a forked child.
        self._portal = portal if portal is not None else Portal(client._requester.sessions)

    def _resource(self, cls: type[Any], attribute: str) -> Any:
        """The blocking twin of the async client's resource (``LazyResource`` asks)."""
        return cls(self._portal, getattr(self._async, attribute))

    @classmethod
    def _from_async(cls: type[ClientT], portal: Portal, client: AsyncExtend) -> ClientT:
        derived = cls.__new__(cls)
        derived._setup(client, portal)
        return derived

    def close(self) -> None:
        """Close the connection pool and stop the event-loop thread.

        Idempotent; clients from ``with_options`` close too. A client that is never closed
        is closed when it is garbage-collected, or at interpreter exit.
        """
        self._portal.close()

    def __enter__(self: ClientT) -> ClientT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        text = repr(self._async)
        return type(self).__name__ + text[text.find("(") :]
