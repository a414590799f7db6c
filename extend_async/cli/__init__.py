"""``extend-client``: cancel, fetch and list classify runs from a shell, serve the local
emulator, or run the demo. ``main(argv)`` is the console entry point."""

from ._main import main

__all__ = ["main"]
