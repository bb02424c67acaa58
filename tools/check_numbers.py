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
SKIP_CLASSES = ("cell_input", "highlight", "MathJax", "math", "headerlink", "docutils literal", "sig ")


def significant_digits(text: str) -> int:
    """Significant digits of a decimal literal: leading zeros and exponent excluded."""
    mantissa = re.split(r"[eE]", text.lstrip("+-").replace(",", ""))[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits)


class _Text(HTMLParser):
    """Collect visible text outside code inputs, math and signatures."""

    def __init__(self) -> None:
        super().__init__()
        self.depth_skip = 0
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        skip = tag in ("script", "style", "code") or any(c in cls for c in SKIP_CLASSES)
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self.stack.append(skip)
        self.depth_skip += skip

    def handle_endtag(self, tag):
        if tag in ("br", "img", "meta", "link", "input", "hr") or not self.stack:
            return
        self.depth_skip -= self.stack.pop()

    def handle_data(self, data):
        if not self.depth_skip:
            self.chunks.append(data)


def findings(page: Path) -> list[str]:
    """Every over-precise number and every "NaN" on one HTML page, with some context."""
    parser = _Text()
    parser.feed(page.read_text(errors="replace"))
    text = " ".join(parser.chunks)
    out = []
    for m in NUMBER.finditer(text):
        if significant_digits(m.group()) > 4:
            out.append(f"{page.name}: {m.group()!r} in ...{text[max(0, m.start() - 50):m.end() + 20]!r}")
    for m in NAN.finditer(text):
        out.append(f"{page.name}: NaN in ...{text[max(0, m.start() - 60):m.end() + 20]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:] or ["book/_build/html"])[0])
    pages = sorted((root / "notebooks").glob("*.html"))
    if not pages:
        print(f"no chapter pages under {root / 'notebooks'}")
        return 1
    bad = [f for page in pages for f in findings(page)]
    print("\n".join(bad) if bad else f"{len(pages)} chapter pages: no number over four significant digits, no NaN")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
