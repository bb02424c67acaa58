"""Helpers for the book's chapters: report a computed number in prose.

:func:`glue` prints a value (so it shows in Colab and in the executed
notebook) and, when myst-nb is installed (the book build), stores it for
``{glue:text}`` references in the chapter's markdown.
"""

from __future__ import annotations


def glue(name: str, value, fmt: str = "{}") -> None:
    """Print ``name = value`` and glue ``value`` under ``name`` for the book.

    Parameters
    ----------
    name: str
        Key used in the chapter's markdown as ``{glue:text}`name```.
    value: object
        The computed value; numbers are formatted in the markdown reference.
    fmt: str, optional
        Format used for the printed line only.
    """
    print(f"{name} = {fmt.format(value)}")
    try:
        from myst_nb import glue as _glue
    except ImportError:  # Colab or a plain Jupyter install: printing is enough
        return
    _glue(name, value, display=False)
