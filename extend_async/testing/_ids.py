"""Identifiers: a documented prefix plus 21 url-safe characters (the nanoid alphabet)."""

from __future__ import annotations

import base64
import random

__all__ = ["IdFactory"]

ID_BODY_LENGTH = 21


class IdFactory:
    """Makes ids from its own random stream, so a seeded emulator repeats them."""

    __slots__ = ("_rng",)

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def new(self, prefix: str) -> str:
        # 16 random bytes encode to 22 base64url characters ([A-Za-z0-9_-]); the first
        # 21 carry 126 uniformly random bits.
        body = base64.urlsafe_b64encode(self._rng.randbytes(16))[:ID_BODY_LENGTH]
        return prefix + body.decode("ascii")
