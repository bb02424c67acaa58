"""Motifs from attribution maps: the maps, TF-MoDISco patterns and TOMTOM matches.

The usual way from attribution maps to motifs has three steps, each done with
the field's own tool:

1. **Seqlets**: short spans of high attribution, called per sequence with
   tangermeme's ``recursive_seqlets``
   (:func:`tism_tutorial.seqlets.call_seqlets`, in :mod:`tism_tutorial.seqlets`);
2. **Patterns**: seqlets clustered into motifs by TF-MoDISco (Shrikumar et
   al. 2018, arXiv:1811.00416) in its ``modisco-lite`` implementation
   (:func:`modisco_patterns`), which needs *hypothetical* contributions: the
   contribution each of the four bases would make at each position;
3. **Matches**: every pattern compared with a motif database by TOMTOM
   (Gupta et al. 2007, Genome Biol 8:R24) in its ``memelite`` implementation
   (:func:`match_patterns`), against the JASPAR 2024 CORE vertebrate
   matrices (:func:`~tism_tutorial.sequences.jaspar_motifs`).

:func:`hypothetical_variants` computes the four attribution maps the book
feeds into that pipeline (TISM, ISM, gradient x input, DeepLIFT/SHAP);
:mod:`tism_tutorial.seqlets` scores seqlets against sites whose positions
are known (simulated data); :func:`pattern_agreement`
compares two motif sets (e.g. from TISM and from ISM) by TOMTOM; and
:func:`enable_numba_cache` keeps the compiled kernels of the seqlet caller and
TF-MoDISco between Python processes.

Shapes follow :mod:`tism_tutorial.attributions`: ``X`` is one-hot (N, 4, L),
A, C, G, T; a hypothetical map of one task is (N, 4, L), of T tasks
(N, T, 4, L). ``modisco-lite`` itself takes (N, L, 4) arrays; the functions
here transpose. Sites and seqlets are tables with 0-based, end-exclusive
``start`` and ``end``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.stats import false_discovery_control

from .attributions import center, corrected, deep_lift_shap, gradient, ism
from .validate import check_attribution, check_int, check_one_hot, check_positive_int

#: The attribution variants of the chapter, in the order it shows them, and
#: what each hands TF-MoDISco as hypothetical contributions (Eq. numbers of chapter 1).
VARIANTS = {
    "TISM": "centered TISM = corrected gradient, grad - mean over bases (Eq. 5)",
    "ISM": "centered exact ISM, ISM - mean over bases (Eq. 4)",
    "gradient×input": "the raw gradient (its contributions are gradient x input, Eq. 6 global)",
    "DeepLIFT/SHAP": "hypothetical DeepLIFT/SHAP, dinucleotide-shuffled references (tangermeme)",
}

#: TOMTOM significance level for calling a match (q-value, Benjamini-Hochberg).
ALPHA = 0.05


def enable_numba_cache() -> int:
    """Let numba cache the compiled kernels of modisco-lite and tangermeme's seqlet caller on disk.

    Without a cache every new Python process compiles these kernels again
    (tens of seconds on a CPU). modisco-lite turns caching on only when it can
    fork compile workers, which it does not do inside a Jupyter kernel (other
    threads are running), and ``tangermeme.seqlet`` never does. This turns on
    numba's ordinary on-disk cache (``Dispatcher.enable_caching``) for the
    kernels of those modules that have none; results are unchanged. A kernel
    whose cache cannot be set up (no writable cache location) is left
    compiling in memory. Calling this again is harmless: it returns 0 once
    every kernel caches.

    Returns
    -------
    int
        The number of kernels whose caching was turned on by this call.
    """
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    n = 0
    for name in ("modiscolite.affinitymat", "modiscolite.aggregator", "modiscolite.cluster", "modiscolite.core",
                 "modiscolite.extract_seqlets", "modiscolite.gapped_kmer", "modiscolite.tfmodisco",
                 "modiscolite.util", "tangermeme.seqlet"):
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, Dispatcher) and isinstance(value._cache, NullCache):
                try:
                    value.enable_caching()
                except Exception:  # no writable cache location: numba compiles in memory as before
                    continue
                n += 1
    return n


# ----------------------------------------------------------------------------
# Attributions
# ----------------------------------------------------------------------------

def hypothetical_variants(model: torch.nn.Module, X: torch.Tensor | np.ndarray, tasks: Sequence[int],
                          n_shuffles: int = 10, random_state: int = 0,
                          ism_batch_size: int = 256) -> tuple[dict[str, torch.Tensor], dict[str, float]]:
    """The four hypothetical attribution maps of :data:`VARIANTS`, and the seconds each took.

    The maps are

    * ``"TISM"``: the centered TISM of Sasse, Chikina & Mostafavi (2024),
      which equals the corrected gradient of Majdandzic et al. (2023):
      :func:`~tism_tutorial.attributions.corrected` of the gradient;
    * ``"ISM"``: exact ISM (:func:`~tism_tutorial.attributions.ism`),
      centered over the bases (:func:`~tism_tutorial.attributions.center`);
    * ``"gradient×input"``: the raw gradient
      (:func:`~tism_tutorial.attributions.gradient`), whose projection on the
      observed bases (:func:`project`) is gradient x input;
    * ``"DeepLIFT/SHAP"``: hypothetical DeepLIFT/SHAP (Shrikumar et al. 2017;
      Lundberg & Lee 2017) with dinucleotide-shuffled references
      (:func:`~tism_tutorial.attributions.deep_lift_shap`, tangermeme).

    The gradient is computed once and shared by TISM and gradient x input; its
    time is counted for both. ISM runs plain forward passes (tangermeme's
    ``saturation_mutagenesis`` with ``fast=False``): 3 L passes per sequence,
    whatever the number of tasks. DeepLIFT/SHAP runs once per task, with its
    convergence warnings silenced.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_outputs) logits; must be in eval mode,
        with float32 or float64 parameters.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T), any real dtype; a numpy array is
        converted.
    tasks : sequence of int
        The outputs to explain, in ``[0, n_outputs)``; T of them. A bare int
        is refused: the maps always have a task axis.
    n_shuffles : int, optional
        DeepLIFT/SHAP references per sequence. Default 10.
    random_state : int, optional
        Seed of the DeepLIFT/SHAP shuffles. Default 0.
    ism_batch_size : int, optional
        Variant sequences per forward pass of ISM. Default 256.

    Returns
    -------
    maps : dict of str -> torch.Tensor, shape=(N, T, 4, L)
        One hypothetical map per name in :data:`VARIANTS`, in that order, tasks
        in the order given, in logit units, on the CPU (the model's dtype; for
        DeepLIFT/SHAP the dtype tangermeme returns).
    seconds : dict of str -> float
        Wall-clock seconds of each variant on this machine, same keys.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot (N, 4, L) or holds NaN/inf, ``tasks`` is not a
        non-empty sequence of ints within the model's outputs, ``n_shuffles``
        or ``ism_batch_size`` is not a positive integer, or ``model`` is not a
        ``torch.nn.Module``, has float16/bfloat16 parameters or does not
        return (B, n_outputs) outputs.

    Warns
    -----
    UserWarning
        If ``model`` is in training mode.
    """
    X = check_one_hot(X)
    if isinstance(tasks, (int, np.integer)) or len(tasks) == 0:
        raise ValueError(f"tasks must be a non-empty sequence of ints, got {tasks!r}")
    tasks = [check_int(t, "tasks", 0) for t in tasks]
    n_shuffles = check_positive_int(n_shuffles, "n_shuffles")
    t0 = time.perf_counter()
    grad = gradient(model, X, tasks)
    t_grad = time.perf_counter() - t0
    t0 = time.perf_counter()
    tism_map = corrected(grad)
    t_tism = t_grad + time.perf_counter() - t0
    t0 = time.perf_counter()
    ism_map = center(ism(model, X, tasks, batch_size=ism_batch_size, fast=False, verbose=False))
    t_ism = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # tangermeme warns about convergence deltas of float32 models
        warnings.simplefilter("ignore")
        dls = deep_lift_shap(model, X, tasks, n_shuffles=n_shuffles, random_state=random_state, hypothetical=True)
    t_dls = time.perf_counter() - t0
    maps = {"TISM": tism_map, "ISM": ism_map, "gradient×input": grad, "DeepLIFT/SHAP": dls}
    seconds = {"TISM": t_tism, "ISM": t_ism, "gradient×input": t_grad, "DeepLIFT/SHAP": t_dls}
    return maps, seconds


# ----------------------------------------------------------------------------
# TF-MoDISco
# ----------------------------------------------------------------------------

@dataclass
class Pattern:
    """One TF-MoDISco pattern, with A, C, G, T rows.

    Built by :func:`modisco_patterns` from modisco-lite's patterns (TF-MoDISco,
    Shrikumar et al. 2018), transposed to the package's (4, w) layout.

    Parameters
    ----------
    name : str
        ``"pos_<i>"`` or ``"neg_<i>"``: metacluster (positive or negative
        contributions, modisco-lite's ``pos_patterns`` and ``neg_patterns``)
        and rank ``i`` within it.
    n_seqlets : int
        Seqlets in the pattern.
    ppm : numpy.ndarray, shape=(4, w)
        Base frequencies over the pattern's seqlets.
    cwm : numpy.ndarray, shape=(4, w)
        Mean contribution of the observed bases (contribution weight matrix).
    hcwm : numpy.ndarray, shape=(4, w)
        Mean hypothetical contributions.
    """

    name: str
    n_seqlets: int
    ppm: np.ndarray
    cwm: np.ndarray
    hcwm: np.ndarray

    def trimmed(self, threshold: float = 0.3) -> Pattern:
        """The core of the pattern, trimmed where the cwm is weak.

        Each position is scored by the sum over bases of ``abs(cwm)``; the core
        runs from the first to the last position scoring at least
        ``threshold`` times the maximum score (positions in between are kept
        whatever their score). modisco-lite's report trims patterns this way
        (threshold 0.3) before TOMTOM.

        Parameters
        ----------
        threshold : float, optional
            Fraction of the maximum position score. Default 0.3; 0 or less
            keeps the whole pattern.

        Returns
        -------
        Pattern
            Same ``name`` and ``n_seqlets``; ``ppm``, ``cwm`` and ``hcwm``
            restricted to the core columns (views of this pattern's arrays,
            not copies).

        Raises
        ------
        ValueError
            From numpy, if no position passes (``threshold`` above 1 with a
            non-zero cwm, or NaN in the cwm).
        """
        score = np.abs(self.cwm).sum(axis=0)
        keep = np.flatnonzero(score >= threshold * score.max())
        lo, hi = keep.min(), keep.max() + 1
        return Pattern(self.name, self.n_seqlets, self.ppm[:, lo:hi], self.cwm[:, lo:hi], self.hcwm[:, lo:hi])

    @property
    def consensus(self) -> str:
        """Most frequent base (A, C, G or T) at each position of the pattern trimmed at 0.3 (:meth:`trimmed`)."""
        return "".join("ACGT"[i] for i in self.trimmed().ppm.argmax(axis=0))


def modisco_patterns(hyp: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray, max_seqlets: int = 2000,
                     min_metacluster_size: int = 20, final_min_cluster_size: int = 10, n_leiden_runs: int = 10,
                     **kwargs: Any) -> list[Pattern]:
    """TF-MoDISco patterns of one task's hypothetical contributions (modisco-lite).

    TF-MoDISco (Shrikumar et al. 2018, arXiv:1811.00416) in its modisco-lite
    implementation: calls ``modiscolite.tfmodisco.TFMoDISco(one_hot,
    hypothetical_contribs, ...)`` with (N, L, 4) float32 arrays. The defaults
    lower modisco-lite's sizes (20,000 seqlets per metacluster at most, 100
    at least, 20 per pattern, 50 Leiden runs) so that a few hundred short
    sequences can give patterns in reasonable time; pass its other arguments
    through ``kwargs``.

    Parameters
    ----------
    hyp : torch.Tensor, shape=(N, 4, L)
        Hypothetical contributions of one task, any real dtype, on the CPU.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T), on the CPU.
    max_seqlets : int, optional
        ``max_seqlets_per_metacluster``. Default 2,000.
    min_metacluster_size : int, optional
        Fewer seqlets of one sign give no patterns of that sign. Default 20.
    final_min_cluster_size : int, optional
        Smallest pattern kept. Default 10.
    n_leiden_runs : int, optional
        Leiden clusterings per step (modisco-lite's default: 50). Default 10.
    **kwargs
        Other keyword arguments of ``TFMoDISco`` (e.g. ``sliding_window_size``,
        ``flank_size``); not ``verbose`` nor the ones set above.

    Returns
    -------
    list of Pattern
        Positive patterns first (``pos_0`` has the most seqlets), then negative
        ones; empty when too few seqlets were found.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot (N, 4, L), ``hyp`` is not one task's (N, 4, L)
        map matching ``X`` or holds NaN/inf, or a size is not a positive
        integer.
    """
    from modiscolite.tfmodisco import TFMoDISco

    X = check_one_hot(X)
    hyp = check_attribution(hyp, "hyp", X)
    if hyp.ndim != 3:
        raise ValueError(f"hyp must be one task's map of shape (N, 4, L), got {tuple(hyp.shape)}")
    sizes = {name: check_positive_int(v, name) for name, v in
             (("max_seqlets", max_seqlets), ("min_metacluster_size", min_metacluster_size),
              ("final_min_cluster_size", final_min_cluster_size), ("n_leiden_runs", n_leiden_runs))}
    one_hot = np.ascontiguousarray(X.permute(0, 2, 1).cpu().numpy(), dtype=np.float32)
    contribs = np.ascontiguousarray(hyp.permute(0, 2, 1).cpu().numpy(), dtype=np.float32)
    pos, neg = TFMoDISco(one_hot=one_hot, hypothetical_contribs=contribs,
                         max_seqlets_per_metacluster=sizes["max_seqlets"],
                         min_metacluster_size=sizes["min_metacluster_size"],
                         final_min_cluster_size=sizes["final_min_cluster_size"],
                         n_leiden_runs=sizes["n_leiden_runs"], verbose=False, **kwargs)
    out = []
    for prefix, patterns in (("pos", pos), ("neg", neg)):
        for i, p in enumerate(patterns or []):
            out.append(Pattern(f"{prefix}_{i}", len(p.seqlets), np.asarray(p.sequence).T.copy(),
                               np.asarray(p.contrib_scores).T.copy(), np.asarray(p.hypothetical_contribs).T.copy()))
    return out


# ----------------------------------------------------------------------------
# TOMTOM against JASPAR
# ----------------------------------------------------------------------------

def tomtom_pairs(queries: Mapping[str, torch.Tensor | np.ndarray], targets: Mapping[str, torch.Tensor | np.ndarray],
                 n_jobs: int = 1) -> pd.DataFrame:
    """TOMTOM p- and q-values of every query against every target (memelite's ``tomtom``).

    TOMTOM (Gupta et al. 2007, Genome Biol 8:R24) in memelite's
    implementation, on float64 copies of the matrices. p-values that come back
    NaN are set to 1 and all are clipped to [0, 1]; q-values are
    Benjamini-Hochberg adjusted over the targets of each query
    (``scipy.stats.false_discovery_control``); both strands of each target are
    compared. memelite's warnings (e.g. about too few targets) are silenced.

    Parameters
    ----------
    queries, targets : dict of str -> torch.Tensor or numpy.ndarray, shape=(4, w)
        Base-frequency matrices (rows A, C, G, T; ``w`` may differ between
        matrices). TOMTOM's p-values use the target columns as background:
        give a whole database (hundreds of matrices), not a handful.
    n_jobs : int, optional
        numba threads (memelite's default, -1, would use all cores). Default 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``query``, ``target``, ``p_value``, ``q_value``; one row per
        pair, query by query in the order of ``queries``, targets in the order
        of ``targets``.

    Raises
    ------
    ValueError
        If a matrix is not (4, w) with w >= 1 and finite values, or either
        dict is empty.
    """
    from memelite import tomtom

    for name, d in (("queries", queries), ("targets", targets)):
        if not d:
            raise ValueError(f"{name} is empty")
        for k, v in d.items():
            a = np.asarray(v)
            if a.ndim != 2 or a.shape[0] != 4 or a.shape[1] == 0 or not np.isfinite(a).all():
                raise ValueError(f"{name}[{k!r}] must be a finite (4, w) matrix, got shape {a.shape}")
    q_names, t_names = list(queries), list(targets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the few-targets warning is the caller's to heed (see above)
        p = tomtom([np.asarray(queries[k], dtype=np.float64) for k in q_names],
                   [np.asarray(targets[k], dtype=np.float64) for k in t_names], n_jobs=n_jobs)[0]
    p = np.clip(np.nan_to_num(p, nan=1.0), 0.0, 1.0)
    q = np.stack([false_discovery_control(row, method="bh") for row in p])
    return pd.DataFrame({"query": np.repeat(q_names, len(t_names)), "target": np.tile(t_names, len(q_names)),
                         "p_value": p.ravel(), "q_value": q.ravel()})


def match_patterns(patterns: list[Pattern], database: Mapping[str, torch.Tensor | np.ndarray],
                   planted: Mapping[str, str], alpha: float = ALPHA, trim: float = 0.3,
                   n_jobs: int = 1) -> pd.DataFrame:
    """Each pattern's best JASPAR match and which planted motif, if any, it recovers.

    Every pattern is trimmed (:meth:`Pattern.trimmed`) and compared by TOMTOM
    with the whole ``database`` (:func:`tomtom_pairs`). It *recovers* the
    planted motif whose matrix it matches with the smallest q-value, if that
    q-value is below ``alpha``; a pattern that matches no planted matrix is
    *spurious*.

    Parameters
    ----------
    patterns : list of Pattern
        From :func:`modisco_patterns`, with distinct names.
    database : dict of str -> torch.Tensor or numpy.ndarray, shape=(4, w)
        Base-frequency matrices from
        :func:`~tism_tutorial.sequences.jaspar_motifs`; each key starts with
        the matrix ID, followed by a space and the name.
    planted : dict of str -> str
        Motif name -> JASPAR matrix ID (with version) of the motifs really
        present; every ID must be in ``database``.
    alpha : float, optional
        q-value cut-off, in (0, 1). Default :data:`ALPHA` (0.05).
    trim : float, optional
        Trimming threshold of :meth:`Pattern.trimmed`. Default 0.3.
    n_jobs : int, optional
        numba threads for TOMTOM. Default 1.

    Returns
    -------
    pandas.DataFrame
        One row per pattern, in the order given: ``pattern`` (name),
        ``n_seqlets``, ``consensus`` (:attr:`Pattern.consensus` of the
        trimmed pattern), ``best_match`` (the database key with the smallest
        q-value), ``best_q``, ``planted`` (the recovered motif's name or
        ``"–"``), ``planted_q`` (its q-value, NaN when none) and ``spurious``
        (bool). Empty, with these columns, if there are no patterns.

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1), ``planted`` is empty or one of its IDs
        is missing from ``database``, or a trimmed pattern or a database
        matrix is not a finite (4, w) matrix (see :func:`tomtom_pairs`).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if not planted:
        raise ValueError("planted must name at least one motif (name -> JASPAR matrix ID)")
    key_of = {k.split()[0]: k for k in database}
    missing = {m: i for m, i in planted.items() if i not in key_of}
    if missing:
        raise ValueError(f"planted matrices {missing} are not in database "
                         "(pass them to sequences.jaspar_motifs(include=...))")
    columns = ["pattern", "n_seqlets", "consensus", "best_match", "best_q", "planted", "planted_q", "spurious"]
    if not patterns:
        return pd.DataFrame(columns=columns)
    cores = {p.name: p.trimmed(trim) for p in patterns}
    pairs = tomtom_pairs({k: p.ppm for k, p in cores.items()}, database, n_jobs=n_jobs)
    planted_key = {key_of[i]: m for m, i in planted.items()}
    rows = []
    for p in patterns:
        part = pairs[pairs["query"] == p.name]
        best = part.loc[part["q_value"].idxmin()]
        mine = part[part["target"].isin(planted_key)]
        top = mine.loc[mine["q_value"].idxmin()]
        hit = top["q_value"] < alpha
        rows.append({"pattern": p.name, "n_seqlets": p.n_seqlets, "consensus": cores[p.name].consensus,
                     "best_match": best["target"], "best_q": float(best["q_value"]),
                     "planted": planted_key[top["target"]] if hit else "–",
                     "planted_q": float(top["q_value"]) if hit else np.nan, "spurious": not hit})
    return pd.DataFrame(rows, columns=columns)


def pattern_agreement(a: list[Pattern], b: list[Pattern], database: Mapping[str, torch.Tensor | np.ndarray],
                      alpha: float = ALPHA, trim: float = 0.3, n_jobs: int = 1) -> pd.DataFrame:
    """For each pattern of ``a``, its most similar pattern of ``b`` by TOMTOM.

    ``b``'s trimmed patterns are searched together with the whole ``database``,
    so that TOMTOM's background (the target columns) is a full database and
    the q-values are comparable with :func:`match_patterns`.

    Parameters
    ----------
    a, b : list of Pattern
        E.g. the TISM and the ISM patterns of one task, each with distinct
        names; both are trimmed with ``trim``.
    database : dict of str -> torch.Tensor or numpy.ndarray, shape=(4, w)
        Base-frequency matrices from
        :func:`~tism_tutorial.sequences.jaspar_motifs`; no key may start with
        ``"pattern "``.
    alpha : float, optional
        q-value cut-off for ``shared``, in (0, 1). Default :data:`ALPHA` (0.05).
    trim : float, optional
        Trimming threshold of :meth:`Pattern.trimmed`. Default 0.3.
    n_jobs : int, optional
        numba threads for TOMTOM. Default 1.

    Returns
    -------
    pandas.DataFrame
        One row per pattern of ``a``, in the order given: ``pattern``,
        ``closest`` (name in ``b``, or ``"–"`` when ``b`` is empty),
        ``q_value`` (NaN when ``b`` is empty) and ``shared`` (q-value below
        ``alpha``). Empty, with these columns, if ``a`` is empty.

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1), or a trimmed pattern or a database
        matrix is not a finite (4, w) matrix (see :func:`tomtom_pairs`).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    columns = ["pattern", "closest", "q_value", "shared"]
    if not a:
        return pd.DataFrame(columns=columns)
    if not b:
        return pd.DataFrame({"pattern": [p.name for p in a], "closest": "–", "q_value": np.nan, "shared": False})
    targets = {f"pattern {p.name}": p.trimmed(trim).ppm for p in b}
    targets.update(database)
    pairs = tomtom_pairs({p.name: p.trimmed(trim).ppm for p in a}, targets, n_jobs=n_jobs)
    pairs = pairs[pairs["target"].str.startswith("pattern ")]
    best = pairs.loc[pairs.groupby("query", sort=False)["q_value"].idxmin()]
    return pd.DataFrame({"pattern": best["query"].to_numpy(),
                         "closest": best["target"].str.removeprefix("pattern ").to_numpy(),
                         "q_value": best["q_value"].to_numpy(), "shared": (best["q_value"] < alpha).to_numpy()})
