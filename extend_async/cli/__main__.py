"""``python -m extend_async.cli``: the same as the ``extend-client`` command."""

from __future__ import annotations

from ._main import main

if __name__ == "__main__":
    raise SystemExit(main())
