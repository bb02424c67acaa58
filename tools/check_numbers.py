"""Flag numbers with more than four significant digits, and "NaN", in the built book's pages.

The book promises that every number it shows is rounded for reading: no
decimal number in prose, tables or printed output has more than four
significant digits (integers, i.e. counts, seeds and identifiers, are fine),
and no table shows "NaN". Code cells' sources are not checked, nor are
tracebacks. Usage: ``python tools/check_numbers.py book/_build/html`` (exit
status 1 and a list of findings if any).
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

# A decimal number: optional sign, digits, a point, digits, optional exponent.
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*\.\d+(?:[eE][-+]?\d+)?(?![\w.])")
NAN = re.compile(r"(?<![\w])NaN(?![\w])")
#: Class names (whole tokens, not substrings: pages carry "mathjax_ignore") whose text is not checked:
#: code cells' sources, math, permalink signs, inline code and API signatures.
SKIP_CLASSES = {"cell_input", "math", "MathJax", "headerlink", "literal", "sig", "sig-object"}


def significant_digits(text: str) -> int:
    """Significant digits of a decimal literal: leading zeros and exponent excluded."""
    mantissa = re.split(r"[eE]", text.lstrip("+-").replace(",", ""))[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits)


class _Text(HTMLParser):
    """Collect visible text outside code inputs, math and signatures.

    Each start tag is pushed with whether it starts a skipped region; an end
    tag pops back to its own start tag, so unclosed tags (``<p>``, ``<li>``)
    cannot leave the parser stuck inside or outside a skipped region.
    """

    VOID = {"br", "img", "meta", "link", "input", "hr", "source", "wbr", "col", "area", "base", "embed"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skip = tag in ("script", "style", "code") or bool(classes & SKIP_CLASSES)
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.chunks.append(data)


def findings(page: Path) -> tuple[list[str], int]:
    """Every over-precise number and every "NaN" on one HTML page, and how many numbers were read."""
    parser = _Text()
    parser.feed(page.read_text(errors="replace"))
    text = " ".join(parser.chunks)
    out, numbers = [], NUMBER.findall(text)
    for m in NUMBER.finditer(text):
        if significant_digits(m.group()) > 4:
            out.append(f"{page.name}: {m.group()!r} in ...{text[max(0, m.start() - 50):m.end() + 20]!r}")
    for m in NAN.finditer(text):
        out.append(f"{page.name}: NaN in ...{text[max(0, m.start() - 60):m.end() + 20]!r}")
    return out, len(numbers)


def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:] or ["book/_build/html"])[0])
    pages = sorted((root / "notebooks").glob("*.html"))
    if not pages:
        print(f"no chapter pages under {root / 'notebooks'}")
        return 1
    bad, read = [], 0
    for page in pages:
        found, n = findings(page)
        if n == 0:  # a page with no decimal number at all means the parser skipped it: fail loudly
            bad.append(f"{page.name}: no decimal number read (is the page's text being skipped?)")
        bad += found
        read += n
    print("\n".join(bad) if bad else f"{len(pages)} chapter pages, {read:,} decimal numbers read: "
          "none over four significant digits, no NaN")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
