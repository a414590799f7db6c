"""The one escape for text the CLI shows a human: nothing a server sends can drive the terminal.

File names, statuses and error messages come from the server. Printed raw, an escape
sequence in them could clear the screen, set the window title, write the clipboard (OSC 52)
or overwrite a line (``\\r``); a bidi override could make text read differently from what
it is. Every human-readable line (table, id, markdown, errors, notices) goes through
``printable``; JSON output is escaped by JSON itself.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "printable"]

# C0 controls (tab and newline too: one value stays on one line), DEL, C1 controls,
# the bidi embeddings, overrides and isolates and the marks that steer them, the line and
# paragraph separators, the byte-order mark, and lone surrogates (which cannot be encoded
# to a terminal and would end the command with a traceback).
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control, bidi and unpaired-surrogate character written as a
    visible ``\\xNN`` / ``\\uNNNN`` escape; everything else (accents, CJK, emoji) kept."""
    return UNSAFE.sub(_escaped, text)
