"""Counting and extrapolating cost: forward passes of ISM, linear time models, crossovers.

Where a whole ISM run would take too long, a method is timed on windows of
``w`` positions of one sequence (``1 + 3 w`` forward passes each) and the
time of ``n`` forward passes predicted with the line ``t = a + b n``
(:func:`extrapolate`). TISM beyond the largest measured number of sequences
or targets is extrapolated the same way. Sasse, Chikina & Mostafavi (2024,
iScience 27:110807) estimate the ISM / TISM ratio as ``3 L / batch size``
(:func:`theoretical_speedup`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import paper
from ..validate import check_positive_int

__all__ = ["LinearFit", "crossover", "extrapolate", "fit_linear", "ism_forward_passes", "theoretical_speedup"]


def theoretical_speedup(length: float | np.ndarray, batch_size: int = paper.ISM_BATCH) -> float | np.ndarray:
    """The paper's estimate of the ISM / TISM time ratio, ``3 L / batch_size``.

    ISM needs 3 L forward passes per sequence, run ``batch_size`` at a time;
    TISM needs one forward and one backward pass, counted here as one batch.

    Parameters
    ----------
    length: int, float or numpy.ndarray
        Sequence length(s) L in bp, positive.
    batch_size: int, optional
        Variants per ISM forward pass. Default :data:`tism_tutorial.paper.ISM_BATCH` (20).

    Returns
    -------
    float or numpy.ndarray
        The predicted speed-up (dimensionless), shaped like ``length``.

    Raises
    ------
    ValueError
        If a length is not positive and finite or the batch size is not a positive integer.
    """
    arr = np.asarray(length, dtype=float)
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise ValueError(f"length must be positive, got {length!r}")
    batch_size = check_positive_int(batch_size, "batch_size")
    out = 3 * arr / batch_size
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class LinearFit:
    """Time model ``seconds = intercept + slope * units``.

    Attributes
    ----------
    intercept: float
        Fixed cost per call, seconds (>= 0).
    slope: float
        Seconds per unit (forward pass, sequence or target), > 0.
    """

    intercept: float
    slope: float

    def __call__(self, units: float | np.ndarray) -> np.ndarray:
        """Predicted seconds of jobs of ``units`` units."""
        return self.intercept + self.slope * np.asarray(units, dtype=float)


def fit_linear(units: Sequence[float], seconds: Sequence[float]) -> LinearFit:
    """Fit ``seconds = a + b * units`` to measured points, for extrapolation.

    With one point (or one distinct ``units`` value) the time is taken as
    proportional to ``units`` (a = 0), which overestimates a larger job only
    by the fixed cost. With two or more, least squares; the intercept is
    clipped to ``[0, min(seconds)]`` (noise can make it negative) and the slope
    refitted through the points with that intercept.

    Parameters
    ----------
    units: sequence of float, shape=(n,)
        Size of each measured job (e.g. forward passes), positive.
    seconds: sequence of float, shape=(n,)
        Measured seconds of each job, positive.

    Returns
    -------
    LinearFit

    Raises
    ------
    ValueError
        If the lengths differ, no point is given, or a value is not positive and finite.
    """
    x = np.asarray(units, dtype=float).ravel()
    y = np.asarray(seconds, dtype=float).ravel()
    if x.size == 0 or x.size != y.size:
        raise ValueError(f"units and seconds must be non-empty and of equal length, got {x.size} and {y.size}")
    if not (np.isfinite(x).all() and (x > 0).all()):
        raise ValueError(f"units must be positive and finite, got {x.tolist()}")
    if not (np.isfinite(y).all() and (y > 0).all()):
        raise ValueError(f"seconds must be positive and finite, got {y.tolist()}")
    if np.unique(x).size == 1:
        return LinearFit(0.0, float(y.mean() / x[0]))
    b, a = np.polyfit(x, y, 1)
    a = float(np.clip(a, 0.0, y.min()))
    b = float(np.sum((y - a) * x) / np.sum(x * x))  # least squares slope with the intercept fixed
    if b <= 0:  # pure noise: fall back to proportional through the largest job
        a, b = 0.0, float(y[np.argmax(x)] / x.max())
    return LinearFit(a, b)


def extrapolate(units: Sequence[float], seconds: Sequence[float], target_units: float) -> tuple[float, LinearFit]:
    """Predict the seconds of a job of ``target_units`` from measured smaller jobs.

    Parameters
    ----------
    units, seconds: sequence of float, shape=(n,)
        Measured jobs, as for :func:`fit_linear`.
    target_units: float
        Size of the job to predict, positive.

    Returns
    -------
    seconds: float
        Predicted seconds.
    fit: LinearFit
        The line used.

    Raises
    ------
    ValueError
        Bad measured points (see :func:`fit_linear`) or a non-positive ``target_units``.
    """
    if not (np.isfinite(target_units) and target_units > 0):
        raise ValueError(f"target_units must be positive and finite, got {target_units!r}")
    fit = fit_linear(units, seconds)
    return float(fit(target_units)), fit


def ism_forward_passes(n_sequences: int, width: int) -> int:
    """Forward passes of an ISM run: one reference and 3 variants per position, per sequence.

    Parameters
    ----------
    n_sequences: int
        Sequences N, >= 1.
    width: int
        Positions mutated per sequence W, >= 1.

    Returns
    -------
    int
        ``N (1 + 3 W)``.

    Raises
    ------
    ValueError
        If either argument is not a positive integer.
    """
    n_sequences = check_positive_int(n_sequences, "n_sequences")
    width = check_positive_int(width, "width")
    return n_sequences * (1 + 3 * width)


def crossover(fit: LinearFit, seconds: float) -> float:
    """The number of targets at which ``fit`` (TISM seconds against T) reaches ``seconds`` (ISM seconds).

    Parameters
    ----------
    fit: LinearFit
        TISM time against the number of targets.
    seconds: float
        The ISM time (one run scores every target), positive.

    Returns
    -------
    float
        ``(seconds - intercept) / slope``: ``inf`` when the line never
        reaches it (slope 0), below 1 when TISM is slower even for one target.

    Raises
    ------
    ValueError
        If ``seconds`` is not positive.
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    if fit.slope <= 0:
        return math.inf
    return (seconds - fit.intercept) / fit.slope
