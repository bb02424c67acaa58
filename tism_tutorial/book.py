"""Helpers for the book's chapters: report a computed or published number in prose.

:func:`glue` prints a value (so it shows in Colab and in the executed
notebook) and, when myst-nb is installed (the book build), stores it for
``{glue:text}`` references in the chapter's markdown. :func:`glue_paper` glues
every published number of :mod:`tism_tutorial.paper` under fixed keys, so a
chapter quotes the paper without typing its numbers.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from . import paper


def rounded(value: float, digits: int = 3) -> str:
    """A float to ``digits`` significant digits as a reader writes it: ``1,230``, ``0.0123``, ``1.23e-05``.

    Parameters
    ----------
    value : float
        The number; NaN gives ``"–"``.
    digits : int, optional
        Significant digits. Default 3.

    Returns
    -------
    str
        Thousands separators and no exponent from 1 upwards; ``g`` format below.
    """
    value = float(value)
    if np.isnan(value):
        return "–"
    if value != 0 and abs(value) >= 10 ** (digits - 1):
        magnitude = int(np.floor(np.log10(abs(value))))
        return f"{round(value, digits - 1 - magnitude):,.{max(0, digits - 1 - magnitude)}f}"
    return f"{value:.{digits}g}"


def _readable(value: Any) -> str:
    """A number as a reader sees it: floats to four significant digits, integers with thousands separators."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return rounded(value, 4)


def glue(name: str, value: Any, fmt: str | None = None, quiet: bool = False) -> None:
    """Print ``name = value`` and glue ``value`` under ``name`` for the book.

    Parameters
    ----------
    name : str
        Key used in the chapter's markdown as ``{glue:text}`name```.
    value : object
        The computed value; numbers are formatted in the markdown reference.
    fmt : str or None, optional
        Format used for the printed line only; None (default) prints floats to
        four significant digits and integers with thousands separators, so
        no printed number is more precise than the book shows.
    quiet : bool, optional
        Glue without printing. Default False.

    Returns
    -------
    None
        Without myst-nb (Colab, plain Jupyter) the value is only printed.
    """
    if not quiet:
        print(f"{name} = {_readable(value) if fmt is None else fmt.format(value)}")
    try:
        from myst_nb import glue as _glue
    except ImportError:  # Colab or a plain Jupyter install: printing is enough
        return
    _glue(name, value, display=False)


def show(table: pd.DataFrame | pd.Series, digits: int = 3, caption: str | None = None) -> Styler:
    """A table as the book shows it: floats to ``digits`` significant digits, missing values as "–".

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        The table; a Series is shown as one column.
    digits : int, optional
        Significant digits of every float (thousands separators above 999). Default 3.
    caption : str or None, optional
        Caption, e.g. with the weights' provenance. Default none.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in a notebook and in the book; integers, strings and
        booleans are shown as they are.
    """
    table = table.to_frame() if isinstance(table, pd.Series) else table

    def fmt(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return rounded(v, digits)
        return "–" if v is None else str(v)

    styler = table.style.format(fmt)
    return styler.set_caption(caption) if caption else styler


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def paper_numbers() -> dict[str, float | int]:
    """Every published number of :mod:`tism_tutorial.paper`, under the keys chapters glue.

    Returns
    -------
    dict of str -> float or int
        ``paper_mean``, ``paper_median``, ``paper_frac_pct`` (percent of
        profiles at or above ``paper_threshold``), ``paper_below_pct``,
        ``paper_r_prediction`` (Fig. 1); ``paper_length``,
        ``paper_n_sequences``, ``paper_n_cell_types`` (AI-TAC's data);
        ``paper_seed_<comparison>`` (Fig. 3A), ``paper_epoch_early|best|last``
        and ``paper_epoch_<...>_n`` (Fig. 3C), ``paper_ablation_<name>``
        (Fig. 3D), ``paper_smallest_fraction_pct`` (Fig. 3B) and
        ``paper_ref_pearson|target|start|end|ism_cpu_seconds`` (the original
        repository's Beluga notebook).
    """
    c = paper.CONCORDANCE
    out: dict[str, float | int] = {
        "paper_mean": c["mean"], "paper_median": c["median"], "paper_threshold": c["threshold"],
        "paper_frac_pct": round(100 * c["frac_above"]), "paper_below_pct": round(100 * (1 - c["frac_above"])),
        "paper_r_prediction": c["r_prediction"],
        "paper_length": paper.AITAC_DATA["length"], "paper_n_sequences": paper.AITAC_DATA["n_sequences"],
        "paper_n_cell_types": paper.AITAC_DATA["n_cell_types"],
        "paper_smallest_fraction_pct": round(100 * paper.SMALLEST_TRAINING_FRACTION),
    }
    seeds = dict(zip(("tism_ism", "ism_ism", "tism_tism"), paper.SEEDS.values()))
    out.update({f"paper_seed_{k}": v for k, v in seeds.items()})
    out.update({f"paper_epoch_{k}": v for k, v in zip(paper.EPOCH_NUMBERS, paper.EPOCHS.values())})
    out.update({f"paper_epoch_{k}_n": v for k, v in paper.EPOCH_NUMBERS.items()})
    out.update({f"paper_ablation_{_slug(k)}": v for k, v in paper.ABLATIONS.items()})
    out.update({f"paper_ref_{k}": v for k, v in paper.REFERENCE_NOTEBOOK.items()})
    return out


def glue_paper() -> None:
    """Glue every number of :func:`paper_numbers` for the book and print one summary line.

    Each value is glued quietly with :func:`glue` under its key (e.g.
    ``paper_mean``, Sasse et al. 2024, Fig. 1A), so a chapter's markdown
    quotes the published numbers of :mod:`tism_tutorial.paper` with
    ``{glue:text}`` instead of typing them. Without myst-nb installed nothing
    is glued and only the summary line is printed.

    Returns
    -------
    None
    """
    numbers = paper_numbers()
    for name, value in numbers.items():
        glue(name, value, quiet=True)
    print(f"glued {len(numbers)} published numbers from tism_tutorial.paper (Sasse et al. 2024)")
