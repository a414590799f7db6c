"""``python -m extend_async.testing [--port 8080] [--seed-runs N] ...``"""

from __future__ import annotations

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
