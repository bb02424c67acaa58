"""Concordance measures: correlations between attribution maps and their summaries.

Sasse, Chikina & Mostafavi (2024, iScience 27:110807, Fig. 1 and Fig. S1)
measure, for every sequence and every output (cell type), the Pearson
correlation between TISM and ISM over all positions of the sequence and the
three *alternative* bases at each position (the reference base, where both are
zero by definition, is left out). This module holds that definition
(:func:`pearson_alt`), the plain row-wise correlation under it
(:func:`pearson_rows`), every per-(sequence, target) measure of chapter 4
(:func:`concordance_table`) and the Fig. 1A summary (:func:`summarize`).

Shapes follow :mod:`tism_tutorial.attributions`: ``X`` is one-hot (N, 4, L),
A, C, G, T; attribution maps are (N, T, 4, W) for T targets over a window of
W positions; values are in logit units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from . import paper
from .attributions import global_attribution, mean_effect, tism
from .validate import as_tensor, check_attribution, check_finite, check_one_hot


def pearson(a: torch.Tensor, b: torch.Tensor, dim: int = -1, eps: float = 0.0) -> torch.Tensor:
    """Pearson correlation of ``a`` and ``b`` along ``dim``; differentiable, no checks.

    ``sum((a - mean a)(b - mean b)) / (sqrt(sum (a - mean a)^2 sum (b - mean b)^2) + eps)``.
    With ``eps = 0`` a constant row gives NaN (0 / 0); training losses pass a
    small ``eps`` instead. This is the one Pearson of the package:
    :func:`pearson_rows` validates its input and calls it, and
    :mod:`tism_tutorial.aitac` uses it in its loss and test performance.

    Parameters
    ----------
    a, b : torch.Tensor, same shape
        Floating values (any dtype; the result has the inputs' dtype).
    dim : int, optional
        Axis to correlate along. Default -1.
    eps : float, optional
        Added to the denominator. Default 0.

    Returns
    -------
    torch.Tensor
        The inputs' shape without ``dim``.
    """
    a = a - a.mean(dim=dim, keepdim=True)
    b = b - b.mean(dim=dim, keepdim=True)
    return (a * b).sum(dim) / ((a.square().sum(dim) * b.square().sum(dim)).sqrt() + eps)


def pearson_rows(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> np.ndarray:
    """Pearson correlation along the last axis, in float64.

    Parameters
    ----------
    a, b : torch.Tensor or array, same shape (..., K)
        K >= 2 paired values per row.

    Returns
    -------
    numpy.ndarray, shape=(...)
        One correlation per row; NaN where a row of ``a`` or ``b`` is constant.

    Raises
    ------
    ValueError
        If the shapes differ, K < 2, or the inputs hold NaN/inf.
    """
    a = as_tensor(a, "a").double()
    b = as_tensor(b, "b").double()
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.ndim == 0 or a.shape[-1] < 2:
        raise ValueError(f"need at least 2 values along the last axis, got shape {tuple(a.shape)}")
    check_finite(a, "a")
    check_finite(b, "b")
    r = pearson(a, b)  # NaN where a row is constant (0 / 0)
    return r.clamp(-1.0, 1.0).numpy()


def alternatives(values: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The values at the three alternative (non-reference) bases of every position.

    Parameters
    ----------
    values : torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        A map over a window (ISM, TISM, gradient, ...).
    X : torch.Tensor, shape=(N, 4, W)
        One-hot reference sequence over the same window.

    Returns
    -------
    torch.Tensor, shape=(N, 3 W) or (N, T, 3 W)
        The values where ``X == 0``, position-major within each base row order
        (A, C, G, T rows, then positions), in ``values``' dtype.

    Raises
    ------
    ValueError
        Bad shapes, non one-hot ``X``, or NaN/inf.
    """
    X = check_one_hot(X)
    values = check_attribution(values, "values", X)
    alt = (X == 0)
    if values.ndim == 4:
        alt = alt[:, None].expand_as(values)
    return values[alt].reshape(*values.shape[:-2], 3 * X.shape[-1])


def pearson_alt(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray,
                X: torch.Tensor | np.ndarray) -> np.ndarray:
    """Pearson(a, b) per sequence (and target) over window positions x alternative bases.

    The paper's concordance (Sasse et al. 2024, Fig. 1): for each sequence and
    target, the correlation of the 3 W values of two maps at the alternative
    bases of the W window positions. The reference base, where ISM and TISM
    are zero by definition, is left out.

    Parameters
    ----------
    a, b : torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        Two maps over the same window, e.g. TISM and ISM (logit).
    X : torch.Tensor, shape=(N, 4, W)
        One-hot reference sequence over the window.

    Returns
    -------
    numpy.ndarray, shape=(N,) or (N, T), float64
        Correlations in [-1, 1]; NaN where a map is constant over the window.

    Raises
    ------
    ValueError
        Shapes that differ or do not match ``X``, non one-hot ``X``, or NaN/inf.
    """
    a, b = as_tensor(a, "a"), as_tensor(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return pearson_rows(alternatives(a, X), alternatives(b, X))


def concordance_table(ism_values: torch.Tensor | np.ndarray, grad: torch.Tensor | np.ndarray,
                      X: torch.Tensor | np.ndarray, y0: torch.Tensor | np.ndarray, targets: Sequence[int],
                      names: Sequence[str] | None = None) -> pd.DataFrame:
    """Every concordance measure of the chapter, one row per (sequence, target).

    All maps are over the same window of W positions (slice the gradient and
    ``X`` to the ISM window first). Figure numbers refer to Sasse et al. 2024.

    Parameters
    ----------
    ism_values : torch.Tensor, shape=(N, T, 4, W)
        Exact ISM (from :func:`~tism_tutorial.attributions.ism`), 0 at the reference base.
    grad : torch.Tensor, shape=(N, T, 4, W)
        Input gradient over the window (from :func:`~tism_tutorial.attributions.gradient`).
    X : torch.Tensor, shape=(N, 4, W)
        One-hot reference over the window.
    y0 : torch.Tensor or array, shape=(N, T)
        Reference logits of the same targets.
    targets : sequence of int, length T
        Target indices, for the table.
    names : sequence of str, optional
        All target names (indexed by target, e.g. from
        :func:`~tism_tutorial.weights.target_names`); default ``"track <index>"``.

    Returns
    -------
    pandas.DataFrame
        N x T rows, sequence-major, with columns

        - ``sequence``, ``target`` (index), ``name`` (target name);
        - ``r_tism``: Pearson(TISM, ISM) over W x 3 alternative bases (Fig. 1A);
        - ``r_grad``: Pearson(gradient, ISM) over the same values (Fig. 1C);
        - ``r_mean_tism``: Pearson over W positions between the TISM and the
          ISM mean effect, ``-sum_b / 3`` (Eq. 7; Fig. S1);
        - ``r_mean_gxi``: Pearson over W positions between gradient x input
          and the ISM mean effect (Fig. S1);
        - ``logit``: the reference prediction f(s0) (Fig. 1D);
        - ``ism_sd``: standard deviation of the 3 W ISM values (logit), the
          size of the effects being matched;
        - ``ism_max``: largest absolute ISM value (logit).

        Correlations are float64 in [-1, 1], NaN where a map is constant.

    Raises
    ------
    ValueError
        Shapes that disagree (maps not (N, T, 4, W), ``y0`` not (N, T),
        ``targets`` not of length T), non one-hot ``X``, or NaN/inf in the maps.
    """
    X = check_one_hot(X)
    ism_values = check_attribution(ism_values, "ism_values", X)
    grad = check_attribution(grad, "grad", X)
    if ism_values.ndim != 4 or grad.shape != ism_values.shape:
        raise ValueError(f"ism_values and grad must both have shape (N, T, 4, W), got "
                         f"{tuple(ism_values.shape)} and {tuple(grad.shape)}")
    n, t = ism_values.shape[:2]
    y0 = as_tensor(y0, "y0").double()
    if tuple(y0.shape) != (n, t):
        raise ValueError(f"y0 must have shape (N, T) = {(n, t)}, got {tuple(y0.shape)}")
    targets = [int(x) for x in targets]
    if len(targets) != t:
        raise ValueError(f"targets lists {len(targets)} indices but the maps hold {t} targets")
    tism_values = tism(grad, X)
    mean_ism = mean_effect(ism_values, X).sum(dim=-2)  # (N, T, W), value of the reference base
    mean_tism = mean_effect(tism_values, X).sum(dim=-2)
    gxi = global_attribution(grad, X, 0.0).sum(dim=-2)
    alt_ism = alternatives(ism_values, X).double()
    cols = {
        "r_tism": pearson_alt(tism_values, ism_values, X),
        "r_grad": pearson_alt(grad, ism_values, X),
        "r_mean_tism": pearson_rows(mean_tism, mean_ism),
        "r_mean_gxi": pearson_rows(gxi, mean_ism),
        "logit": y0.numpy(),
        "ism_sd": alt_ism.std(dim=-1).numpy(),
        "ism_max": alt_ism.abs().amax(dim=-1).numpy(),
    }
    seq_idx, tgt_idx = np.meshgrid(np.arange(n), np.arange(t), indexing="ij")
    table = pd.DataFrame({
        "sequence": seq_idx.ravel(),
        "target": np.asarray(targets)[tgt_idx.ravel()],
        "name": [names[k] if names is not None else f"track {k}" for k in np.asarray(targets)[tgt_idx.ravel()]],
    })
    for key, value in cols.items():
        table[key] = np.asarray(value).ravel()
    return table


def summarize(r: Sequence[float] | np.ndarray | torch.Tensor,
              threshold: float = paper.CONCORDANCE["threshold"]) -> dict[str, float | int]:
    """Mean, median and fraction >= ``threshold`` of concordance values (Fig. 1A).

    Parameters
    ----------
    r : array-like of float
        Pearson correlations, e.g. the ``r_tism`` column of :func:`concordance_table`.
    threshold : float, optional
        Default 0.6, the paper's cut-off.

    Returns
    -------
    dict of str -> float or int
        ``n`` (int, number of values), ``mean``, ``median`` and
        ``frac_above`` (share of values ``>= threshold``), floats.

    Raises
    ------
    ValueError
        If ``r`` is empty or holds NaN/inf.
    """
    r = np.asarray(r, dtype=float).ravel()
    if r.size == 0:
        raise ValueError("r is empty")
    if not np.isfinite(r).all():
        raise ValueError(f"r holds {int((~np.isfinite(r)).sum())} NaN or infinite value(s)")
    return {"n": int(r.size), "mean": float(r.mean()), "median": float(np.median(r)),
            "frac_above": float((r >= threshold).mean())}


def summarize_groups(rows: pd.DataFrame, by: str, value: str = "pearson") -> pd.DataFrame:
    """Mean, median, quartiles and count of ``value`` per group of ``by`` (NaN ignored).

    Parameters
    ----------
    rows : pandas.DataFrame
        A tidy table, e.g. from :func:`tism_tutorial.robustness.concordance_rows`.
    by : str
        Column that names the groups (kept in order of first appearance).
    value : str, optional
        Column to summarise. Default ``"pearson"``.

    Returns
    -------
    pandas.DataFrame
        Index: the groups; columns ``mean``, ``median``, ``q25``, ``q75``, ``n``.

    Raises
    ------
    ValueError
        If ``rows`` lacks ``by`` or ``value``.
    """
    if by not in rows or value not in rows:
        raise ValueError(f"rows must have columns {by!r} and {value!r}, got {list(rows.columns)}")
    g = rows.groupby(by, sort=False)[value]
    return pd.DataFrame({"mean": g.mean(), "median": g.median(), "q25": g.quantile(0.25),
                         "q75": g.quantile(0.75), "n": g.count()})


def agreement(approx: torch.Tensor | np.ndarray | Sequence[float],
              exact: torch.Tensor | np.ndarray | Sequence[float]) -> dict[str, float | int]:
    """How well approximate effects match exact ones: Pearson, slope and relative error.

    Used to compare Taylor-approximated effects (the first-order expansion of
    Sasse, Chikina & Mostafavi 2024, Eq. 1; TISM, Eq. 3) with exact ones
    (ISM, or in silico marginalization as in tangermeme's ``marginalize``,
    :func:`tism_tutorial.marginalize.exact_marginalize`). The correlation is
    the package's one :func:`pearson`, computed in float64.

    Parameters
    ----------
    approx : torch.Tensor or numpy.ndarray or sequence of float
        Approximate (e.g. Taylor) effects, in logits, any shape and real
        dtype; flattened.
    exact : torch.Tensor or numpy.ndarray or sequence of float
        Exact effects, in logits, with as many values as ``approx`` (in the
        same order once flattened).

    Returns
    -------
    dict of str to float or int
        ``pearson``: Pearson correlation (NaN if either input is constant);
        ``slope``: least-squares slope of ``approx`` regressed on ``exact``
        (1: right scale, below 1: the approximation shrinks the effects; NaN
        if ``exact`` is constant); ``rel_error``:
        ``||approx - exact|| / ||exact||`` (0: exact; 1: as large as the
        effects themselves; NaN if ``exact`` is all zero); ``n``: number of
        values (int).

    Raises
    ------
    ValueError
        If an input is not real numbers, the numbers of values differ, fewer
        than 2 values are given, or any value is NaN/inf.
    """
    a = as_tensor(approx, "approx").double().flatten()
    e = as_tensor(exact, "exact").double().flatten()
    if a.shape != e.shape:
        raise ValueError(f"approx and exact must have the same number of values, got {a.numel()} and {e.numel()}")
    if a.numel() < 2:
        raise ValueError("approx and exact need at least 2 values")
    check_finite(a, "approx")
    check_finite(e, "exact")
    r = float(pearson(a, e))  # NaN if either is constant
    ac, ec = a - a.mean(), e - e.mean()
    var_e = float((ec * ec).sum())
    slope = float((ac * ec).sum()) / var_e if var_e > 0 else float("nan")
    norm_e = float(e.norm())
    rel = float((a - e).norm()) / norm_e if norm_e > 0 else float("nan")
    return {"pearson": r, "slope": slope, "rel_error": rel, "n": int(a.numel())}
