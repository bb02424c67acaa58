"""Seqlets: spans of high attribution, called per sequence and scored against known sites.

The first step from attribution maps to motifs (chapter 7): project a
hypothetical map onto the sequence (:func:`project`), call seqlets with
tangermeme's ``recursive_seqlets`` (:func:`call_seqlets`), and, where the
planted sites are known (simulated data), score them: precision and recall as
the seqlets are taken in order of significance (:func:`precision_recall`,
:func:`seqlet_scores`) and the precision of randomly placed seqlets of the same
lengths (:func:`chance_precision`). A seqlet counts as a hit when it overlaps a
site by at least one base.

Shapes follow :mod:`tism_tutorial.attributions`: ``X`` is one-hot (N, 4, L),
A, C, G, T; one task's hypothetical map is (N, 4, L). Sites and seqlets are
tables with 0-based, end-exclusive ``start`` and ``end``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .validate import check_attribution, check_int, check_one_hot, check_positive_int


def project(hyp: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Contributions of the observed bases: ``sum_b hyp[b, l] * X[b, l]``.

    For the raw gradient this is gradient x input (Eq. 6, global); it is the
    per-position track that seqlet callers and TF-MoDISco score.

    Parameters
    ----------
    hyp : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Hypothetical contributions, any real dtype (integers become float32).
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T), on the same device as ``hyp``.

    Returns
    -------
    torch.Tensor, shape=(N, L) or (N, T, L)
        The contribution of the observed base at each position, in ``hyp``'s
        floating dtype.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot, ``hyp`` is not (N, 4, L) or (N, T, 4, L),
        either holds NaN/inf, or their N and L do not match.
    """
    X = check_one_hot(X)
    hyp = check_attribution(hyp, "hyp", X)
    x = X.to(hyp.device, hyp.dtype)
    return (hyp * (x[:, None] if hyp.ndim == 4 else x)).sum(dim=-2)


# ----------------------------------------------------------------------------
# Seqlets, scored against known sites
# ----------------------------------------------------------------------------

def call_seqlets(hyp: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray, threshold: float = 0.01,
                 min_seqlet_len: int = 4, max_seqlet_len: int = 25) -> pd.DataFrame:
    """Seqlets of one task's map with tangermeme's ``recursive_seqlets``.

    The map is projected on the observed bases (:func:`project`), cast to
    float32, and handed to ``tangermeme.seqlet.recursive_seqlets`` (Schreiber,
    tangermeme), which calls only positive seqlets (spans whose bases raise
    the output).

    Parameters
    ----------
    hyp : torch.Tensor, shape=(N, 4, L)
        Hypothetical contributions of one task, any real dtype.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    threshold : float, optional
        tangermeme's p-value cut-off, a ranking score rather than an error
        rate (see its docstring). In (0, 1]. Default 0.01.
    min_seqlet_len, max_seqlet_len : int, optional
        Shortest and longest seqlet in bp, ``1 <= min_seqlet_len <=
        max_seqlet_len``. Defaults 4 and 25.

    Returns
    -------
    pandas.DataFrame
        One row per seqlet: int columns ``sequence`` (index into ``X``),
        ``start`` and ``end`` (0-based, end exclusive), and float columns
        ``attribution`` (summed projected attribution) and ``p_value``, in
        the order tangermeme returns (ascending ``p_value``).

    Raises
    ------
    ValueError
        If ``X`` is not one-hot (N, 4, L), ``hyp`` is not one task's (N, 4, L)
        map matching ``X`` or holds NaN/inf, ``threshold`` lies outside (0, 1],
        or the seqlet lengths are not integers with ``1 <= min_seqlet_len <=
        max_seqlet_len``.
    """
    from tangermeme.seqlet import recursive_seqlets

    X = check_one_hot(X)
    hyp = check_attribution(hyp, "hyp", X)
    if hyp.ndim != 3:
        raise ValueError(f"hyp must be one task's map of shape (N, 4, L), got {tuple(hyp.shape)}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}")
    min_seqlet_len = check_positive_int(min_seqlet_len, "min_seqlet_len")
    max_seqlet_len = check_int(max_seqlet_len, "max_seqlet_len", min_seqlet_len)
    proj = (hyp * X.to(hyp.device, hyp.dtype)).sum(dim=1).float().cpu()
    s = recursive_seqlets(proj, threshold=threshold, min_seqlet_len=min_seqlet_len, max_seqlet_len=max_seqlet_len)
    s = s.rename(columns={"example_idx": "sequence", "p-value": "p_value"})
    return s[["sequence", "start", "end", "attribution", "p_value"]].astype(
        {"sequence": int, "start": int, "end": int})


def _check_intervals(table: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = {"sequence", "start", "end"} - set(table.columns)
    if missing:
        raise ValueError(f"{name} lacks column(s) {sorted(missing)}")
    if len(table) and ((table["end"] <= table["start"]).any() or (table["start"] < 0).any()):
        raise ValueError(f"{name} holds empty, inverted or negative intervals (need 0 <= start < end)")
    return table


def _overlaps(seqlets: pd.DataFrame, sites: pd.DataFrame) -> list[np.ndarray]:
    """For each seqlet (in table order), the indices (rows of ``sites``) of the sites it overlaps."""
    by_seq = {k: (g["start"].to_numpy(), g["end"].to_numpy(), np.flatnonzero(sites["sequence"].to_numpy() == k))
              for k, g in sites.groupby("sequence")}
    empty = np.array([], dtype=int)
    out = []
    for seq, start, end in zip(seqlets["sequence"], seqlets["start"], seqlets["end"]):
        if seq not in by_seq:
            out.append(empty)
            continue
        s, e, idx = by_seq[seq]
        out.append(idx[(s < end) & (start < e)])  # half-open intervals overlap
    return out


def precision_recall(seqlets: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of known sites by seqlets, at every seqlet-score cut-off.

    A seqlet is a true positive if it overlaps (by at least 1 bp) a site of
    the same sequence; a site is recalled if at least one seqlet overlaps it.
    Seqlets are ranked by ``p_value`` (ascending) and the curve has one row per
    cut-off: the best k seqlets, for k = 1, ..., n.

    Parameters
    ----------
    seqlets : pandas.DataFrame
        Columns ``sequence``, ``start``, ``end`` (0-based, end exclusive) and
        ``p_value`` (from :func:`call_seqlets`); other columns are ignored.
    sites : pandas.DataFrame
        The true sites: columns ``sequence``, ``start``, ``end`` (e.g. the
        planted sites that drive one task).

    Returns
    -------
    pandas.DataFrame
        One row per cut-off, best seqlet first: ``p_value`` (the cut-off, the
        k-th smallest p-value), ``n_seqlets`` (k), ``precision`` (fraction of
        the k seqlets that overlap a site) and ``recall`` (fraction of the
        sites overlapped by at least one of them); empty if there are no
        seqlets.

    Raises
    ------
    ValueError
        If a table is not a pandas DataFrame, lacks a column (``p_value``
        included for ``seqlets``), holds empty, inverted or negative
        intervals, or there are no sites.
    """
    seqlets = _check_intervals(seqlets, "seqlets")
    sites = _check_intervals(sites, "sites").reset_index(drop=True)
    if "p_value" not in seqlets:
        raise ValueError("seqlets lacks column 'p_value'")
    if len(sites) == 0:
        raise ValueError("sites is empty: precision and recall need at least one true site")
    ranked = seqlets.sort_values("p_value", kind="stable").reset_index(drop=True)
    hits = _overlaps(ranked, sites)
    tp = np.cumsum([len(h) > 0 for h in hits])
    first = np.full(len(sites), np.inf)  # rank of the first seqlet that recalls each site
    for rank, h in enumerate(hits):
        first[h] = np.minimum(first[h], rank)
    k = np.arange(1, len(ranked) + 1)
    recalled = np.searchsorted(np.sort(first), k - 0.5)  # sites with first rank < k
    return pd.DataFrame({"p_value": ranked["p_value"].to_numpy(), "n_seqlets": k,
                         "precision": tp / k, "recall": recalled / len(sites)})


def seqlet_scores(seqlets: pd.DataFrame, sites: pd.DataFrame) -> dict[str, int | float]:
    """Precision, recall and counts of all ``seqlets`` against ``sites`` (the end of :func:`precision_recall`).

    Parameters
    ----------
    seqlets : pandas.DataFrame
        Columns ``sequence``, ``start``, ``end``; ``p_value`` is optional here
        (all seqlets are counted, so their ranking does not matter).
    sites : pandas.DataFrame
        The true sites: columns ``sequence``, ``start``, ``end``.

    Returns
    -------
    dict of str -> int or float
        ``n_seqlets`` and ``n_sites`` (int), ``precision`` and ``recall``
        (float); NaN precision and 0 recall when there are no seqlets.

    Raises
    ------
    ValueError
        As :func:`precision_recall` (bad tables, no sites).
    """
    if "p_value" not in seqlets:
        seqlets = seqlets.assign(p_value=0.0)
    curve = precision_recall(seqlets, sites)
    if curve.empty:
        return {"n_seqlets": 0, "n_sites": len(sites), "precision": np.nan, "recall": 0.0}
    last = curve.iloc[-1]
    return {"n_seqlets": int(last.n_seqlets), "n_sites": len(sites), "precision": float(last.precision),
            "recall": float(last.recall)}


def chance_precision(seqlets: pd.DataFrame, sites: pd.DataFrame, length: int, n_draws: int = 20,
                     random_state: int = 0) -> float:
    """Precision of the same seqlets moved to random positions: the chance level.

    Every seqlet keeps its sequence and length and gets a start drawn
    uniformly from the positions where it fits; the precision against
    ``sites`` is averaged over ``n_draws`` draws.

    Parameters
    ----------
    seqlets, sites : pandas.DataFrame
        Columns ``sequence``, ``start``, ``end``, as in :func:`precision_recall`
        (``seqlets`` needs no ``p_value`` here).
    length : int
        Sequence length L in bp.
    n_draws : int, optional
        Random placements to average. Default 20.
    random_state : int, optional
        Seed of ``numpy.random.default_rng``. Default 0.

    Returns
    -------
    float
        Mean precision of randomly placed seqlets (NaN if there are no seqlets).

    Raises
    ------
    ValueError
        If a table is not a pandas DataFrame, lacks a column or holds empty,
        inverted or negative intervals, a seqlet ends beyond ``length``, or
        ``length`` or ``n_draws`` is not a positive integer.
    """
    seqlets = _check_intervals(seqlets, "seqlets")
    sites = _check_intervals(sites, "sites")
    length = check_positive_int(length, "length")
    n_draws = check_positive_int(n_draws, "n_draws")
    if len(seqlets) == 0:
        return float("nan")
    width = (seqlets["end"] - seqlets["start"]).to_numpy()
    if (width > length).any() or (seqlets["end"] > length).any():
        raise ValueError(f"seqlets reach beyond the sequence length {length}")
    rng = np.random.default_rng(random_state)
    out = []
    for _ in range(n_draws):
        start = (rng.random(len(width)) * (length - width + 1)).astype(int)
        moved = pd.DataFrame({"sequence": seqlets["sequence"].to_numpy(), "start": start, "end": start + width})
        out.append(np.mean([len(h) > 0 for h in _overlaps(moved, sites)]))
    return float(np.mean(out))
