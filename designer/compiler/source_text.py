"""Text from a design file made safe to place inside generated Python source.

Every string a design file carries (its name, description, ids, dataset paths, augmentation
names) reaches generated code either through ``repr()`` (values) or through
:func:`docstring_text` (prose inside a triple-quoted docstring). Nothing from a design is ever
pasted into code verbatim, so a crafted name cannot close a string and inject statements.
"""

from __future__ import annotations

_KEEP = {"\n", "\t"}


def docstring_text(text: str) -> str:
    """``text`` escaped to sit inside a ``\"\"\"...\"\"\"`` docstring and read back unchanged:
    backslashes and every double quote escaped (so no run of quotes can close the string, even
    at its end), control characters (NUL, CR, form feed, ...) and lone surrogates written as
    escapes so the file stays valid UTF-8 source."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch in _KEEP:
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\u2028\u2029\x85":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
