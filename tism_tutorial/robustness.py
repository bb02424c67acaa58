"""The robustness experiments of Sasse, Chikina & Mostafavi (2024, Fig. 3), and two the paper could not run.

Every function returns a tidy :class:`pandas.DataFrame` (one row per
measurement) that the chapter plots and summarises:

* :func:`attribution_maps`: gradient, TISM and exact ISM of a trained model
  for every task, the raw material of everything below;
* :func:`concordance_rows`: Pearson(TISM, ISM) per sequence and task, the
  paper's concordance (alternative bases only), for one or several models
  (epochs, Fig. 3C; training-set fractions, Fig. 3B; ablations, Fig. 3D);
* :func:`seed_rows`: the same plus ISM vs ISM and TISM vs TISM between models
  trained with different seeds (Fig. 3A);
* :func:`paper_table`: our means beside the paper's (:mod:`tism_tutorial.paper`);
* :func:`ground_truth_auc`: how well each attribution variant recovers the
  planted sites that drive each task (AUROC, AUPRC), which needs the ground
  truth of simulated data;
* :func:`site_disagreement`, :func:`regime_test` and :func:`pair_epistasis`:
  the paper's hypothesis that TISM and ISM diverge where the model learned
  interactions, tested on labels that do or do not depend on an interaction
  term, and against how non-additively the trained model combines two sites.

Maps are (N, T, 4, L) tensors for N sequences and T tasks, in the model's
output units; ``X`` is one-hot (N, 4, L), A, C, G, T.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import mannwhitneyu, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score
from tangermeme.ersatz import substitute
from tangermeme.utils import random_one_hot

from .aitac import predict
from .attributions import center, corrected, deep_lift_shap, global_attribution, gradient, ism, mean_effect, tism
from .metrics import pearson_alt
from .simulate import COOPERATIVE, SPACED, SimulatedData
from .validate import check_attribution, check_int, check_one_hot, check_targets


def attribution_maps(model: torch.nn.Module, X: torch.Tensor | np.ndarray, tasks: Sequence[int] | None = None,
                     batch_size: int = 256) -> dict[str, torch.Tensor]:
    """Gradient, TISM and exact ISM of every task, and the reference predictions.

    Uses the package's :func:`~tism_tutorial.attributions.gradient`, :func:`~tism_tutorial.attributions.tism`
    (Eq. 3) and :func:`~tism_tutorial.attributions.ism` (Eq. 2, plain forward passes, ``fast=False``).

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 4, L) to (N, T); put in eval mode here.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences.
    tasks : sequence of int, optional
        Outputs to explain; default all.
    batch_size : int, optional
        Variants per forward pass of ISM. Default 256.

    Returns
    -------
    dict of str -> torch.Tensor
        ``"grad"``, ``"tism"``, ``"ism"`` (shape=(N, T, 4, L), logit or the
        model's output units, model dtype, CPU) and ``"y0"`` (shape=(N, T),
        float32, CPU: the predictions of :func:`tism_tutorial.aitac.predict`).

    Raises
    ------
    ValueError
        If ``X`` is not one-hot or a task is out of range.
    """
    X = check_one_hot(X)
    model.eval()
    y0 = predict(model, X)
    tasks = list(range(y0.shape[1])) if tasks is None else check_targets(tasks, y0.shape[1], "tasks")[0]
    grad = gradient(model, X, tasks)
    return {"grad": grad, "tism": tism(grad, X),
            "ism": ism(model, X, tasks, batch_size=batch_size, fast=False, verbose=False),
            "y0": y0[:, tasks]}


def _rows(values: np.ndarray, **labels) -> pd.DataFrame:
    """(N, T) values -> one row per (sequence, task) with constant label columns."""
    n, t = values.shape
    seq, task = np.meshgrid(np.arange(n), np.arange(t), indexing="ij")
    df = pd.DataFrame({"sequence": seq.ravel(), "task": task.ravel(), "pearson": values.ravel()})
    for key, value in labels.items():
        df.insert(0, key, value)
    return df


def concordance_rows(maps: Mapping, X: torch.Tensor | np.ndarray, column: str = "setting") -> pd.DataFrame:
    """Pearson(TISM, ISM) per sequence and task for one or several models.

    The paper's concordance (Fig. 1A): over the 3 L alternative bases of a
    sequence, for one task (:func:`tism_tutorial.metrics.pearson_alt`).

    Parameters
    ----------
    maps : dict
        Either one model's maps (from :func:`attribution_maps`; recognised by
        its ``"ism"`` key) or a dict label -> maps for several models.
    X : torch.Tensor, shape=(N, 4, L)
        The sequences the maps were computed on.
    column : str, optional
        Name of the label column. Default ``"setting"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``column`` (when several models), ``sequence``, ``task``,
        ``pearson``, ``ism_sd`` (standard deviation of the 3 L ISM values:
        how large the effects are) and ``y0`` (the prediction).

    Raises
    ------
    ValueError
        If the maps do not match ``X``.
    """
    X = check_one_hot(X)
    several = "ism" not in maps
    items = maps.items() if several else [(None, maps)]
    out = []
    for label, m in items:
        check_attribution(m["ism"], "maps['ism']", X)
        r = pearson_alt(m["tism"], m["ism"], X)
        df = _rows(r, **({column: label} if several else {}))
        alt = (X == 0)[:, None].expand_as(m["ism"])
        ism_alt = m["ism"][alt].reshape(*m["ism"].shape[:2], -1).double()
        df["ism_sd"] = ism_alt.std(dim=-1).numpy().ravel()
        df["y0"] = m["y0"].numpy().ravel()
        out.append(df)
    return pd.concat(out, ignore_index=True)


def seed_rows(maps_by_seed: Mapping[int, Mapping[str, torch.Tensor]], X: torch.Tensor | np.ndarray) -> pd.DataFrame:
    """Fig. 3A: TISM vs ISM within each model, ISM vs ISM and TISM vs TISM between seeds.

    Parameters
    ----------
    maps_by_seed : dict of int -> maps
        One entry per training seed (maps from :func:`attribution_maps` on the same ``X``).
    X : torch.Tensor, shape=(N, 4, L)
        The one-hot sequences the maps were computed on.

    Returns
    -------
    pandas.DataFrame
        Columns ``comparison``, ``seed_a``, ``seed_b``, ``sequence``, ``task``, ``pearson``;
        comparisons as in :data:`tism_tutorial.paper.SEEDS`.

    Raises
    ------
    ValueError
        With fewer than two seeds, or maps that do not match ``X``.
    """
    X = check_one_hot(X)
    seeds = list(maps_by_seed)
    if len(seeds) < 2:
        raise ValueError(f"maps_by_seed needs at least two seeds, got {len(seeds)}")
    out = []
    for s in seeds:
        m = maps_by_seed[s]
        out.append(_rows(pearson_alt(m["tism"], m["ism"], X), comparison="TISM vs ISM (same model)",
                         seed_a=s, seed_b=s))
    for i, a in enumerate(seeds):
        for b in seeds[i + 1:]:
            for key, name in (("ism", "ISM vs ISM (two seeds)"), ("tism", "TISM vs TISM (two seeds)")):
                r = pearson_alt(maps_by_seed[a][key], maps_by_seed[b][key], X)
                out.append(_rows(r, comparison=name, seed_a=a, seed_b=b))
    df = pd.concat(out, ignore_index=True)
    return df[["comparison", "seed_a", "seed_b", "sequence", "task", "pearson"]]


def paper_table(ours: Mapping[str, float], paper: Mapping[str, float], experiment: str) -> pd.DataFrame:
    """Our numbers beside the paper's: one row per setting.

    Parameters
    ----------
    ours, paper : dict of str -> float
        Setting -> mean concordance; settings missing on one side show NaN.
    experiment : str
        E.g. ``"Fig. 3A seeds"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``experiment``, ``setting``, ``ours``, ``paper``; our settings
        first, in order, then the paper's other settings.
    """
    settings = list(ours) + [k for k in paper if k not in ours]
    return pd.DataFrame({"experiment": experiment, "setting": settings,
                         "ours": [ours.get(k, np.nan) for k in settings],
                         "paper": [paper.get(k, np.nan) for k in settings]})


# ----------------------------------------------------------------------------
# Ground truth
# ----------------------------------------------------------------------------

def method_scores(maps: Mapping[str, torch.Tensor], X: torch.Tensor | np.ndarray,
                  dls_hypothetical: torch.Tensor | np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-position importance (N, T, L) of every attribution variant, for ranking against the truth.

    Maps over all four bases are scored by their largest absolute value over
    the bases; maps that live on the reference base (×input, mean effects) by
    their absolute value there.

    Parameters
    ----------
    maps : dict
        From :func:`attribution_maps` (``"grad"``, ``"tism"``, ``"ism"``).
    X : torch.Tensor, shape=(N, 4, L)
        The one-hot sequences the maps were computed on.
    dls_hypothetical : torch.Tensor, shape=(N, T, 4, L), optional
        Hypothetical DeepLIFT/SHAP attributions, e.g. from
        :func:`deep_lift_shap_maps` (adds the ``"DeepLIFT/SHAP×input"`` entry).

    Returns
    -------
    dict of str -> numpy.ndarray, shape=(N, T, L)
        Method name (``"gradient"``, ``"gradient×input"``,
        ``"TISM mean effect"``, ``"corrected gradient"``, ``"ISM mean effect"``,
        ``"centered ISM"`` and optionally ``"DeepLIFT/SHAP×input"``) ->
        non-negative scores, in the maps' dtype.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot, or ``dls_hypothetical`` does not match it or holds NaN/inf.
    """
    X = check_one_hot(X)
    grad, ism_values = maps["grad"], maps["ism"]

    def _at_ref(values: torch.Tensor) -> np.ndarray:
        return values.sum(dim=-2).abs().numpy()

    def _any_base(values: torch.Tensor) -> np.ndarray:
        return values.abs().amax(dim=-2).numpy()

    scores = {
        "gradient": _any_base(grad),
        "gradient×input": _at_ref(global_attribution(grad, X, 0.0)),
        "TISM mean effect": _at_ref(mean_effect(maps["tism"], X)),
        "corrected gradient": _any_base(corrected(grad)),
        "ISM mean effect": _at_ref(mean_effect(ism_values, X)),
        "centered ISM": _any_base(center(ism_values)),
    }
    if dls_hypothetical is not None:
        dls = check_attribution(dls_hypothetical, "dls_hypothetical", X)
        scores["DeepLIFT/SHAP×input"] = _at_ref(dls * X[:, None].to(dls.dtype))
    return scores


def ground_truth_auc(scores: Mapping[str, np.ndarray], truth: np.ndarray) -> pd.DataFrame:
    """AUROC and AUPRC of recovering the positions of the sites that drive each task.

    For each sequence and task with at least one driving site, positions are
    ranked by each method's score (``sklearn.metrics.roc_auc_score`` and
    ``average_precision_score``); the positives are the positions of the
    planted sites that change that task's label
    (:meth:`tism_tutorial.simulate.SimulatedData.truth`).

    Parameters
    ----------
    scores : dict of str -> numpy.ndarray, shape=(N, T, L)
        From :func:`method_scores`.
    truth : numpy.ndarray, shape=(N, T, L), bool
        True at the positions of the sites that drive each task, from
        :meth:`tism_tutorial.simulate.SimulatedData.truth`.

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``sequence``, ``task``, ``auroc``, ``auprc``,
        ``prevalence`` (share of positive positions: the AUPRC of a random ranking).

    Raises
    ------
    ValueError
        If a score's shape differs from ``truth``.
    """
    truth = np.asarray(truth, dtype=bool)
    rows = []
    for name, s in scores.items():
        if s.shape != truth.shape:
            raise ValueError(f"scores[{name!r}] has shape {s.shape}, truth {truth.shape}")
        for n in range(truth.shape[0]):
            for t in range(truth.shape[1]):
                y = truth[n, t]
                if y.any() and not y.all():
                    rows.append({"method": name, "sequence": n, "task": t,
                                 "auroc": roc_auc_score(y, s[n, t]), "auprc": average_precision_score(y, s[n, t]),
                                 "prevalence": y.mean()})
    return pd.DataFrame(rows)


def deep_lift_shap_maps(model: torch.nn.Module, X: torch.Tensor | np.ndarray, tasks: Sequence[int] | None = None,
                        n_shuffles: int = 10, random_state: int = 0) -> torch.Tensor:
    """Hypothetical DeepLIFT/SHAP attributions of every task, shape (N, T, 4, L) (tangermeme, via the package).

    The model is put in eval mode; the attributions are those of
    :func:`~tism_tutorial.attributions.deep_lift_shap` with ``hypothetical=True``
    (dinucleotide-shuffled references, rescale rule), for scoring with
    :func:`method_scores`.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 4, L) to (N, T).
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences, A, C, G, T.
    tasks : sequence of int, optional
        Outputs to explain; default all T.
    n_shuffles : int, optional
        Shuffled references per sequence. Default 10.
    random_state : int, optional
        Seed of the shuffles. Default 0.

    Returns
    -------
    torch.Tensor, shape=(N, T, 4, L)
        Hypothetical attributions for all four bases (model output units), on the CPU.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot, a task is out of range, or ``n_shuffles`` is
        not a positive integer (raised by :func:`~tism_tutorial.attributions.deep_lift_shap`).
    """
    model.eval()
    tasks = list(range(predict(model, X[:1]).shape[1])) if tasks is None else list(tasks)
    return deep_lift_shap(model, X, tasks, n_shuffles=n_shuffles, random_state=random_state, hypothetical=True)


# ----------------------------------------------------------------------------
# The interaction hypothesis
# ----------------------------------------------------------------------------

def site_disagreement(maps: Mapping[str, torch.Tensor], data: SimulatedData) -> pd.DataFrame:
    """How far TISM is from ISM on each planted site, for each task.

    Parameters
    ----------
    maps : dict
        From :func:`attribution_maps` on ``data.X`` (all tasks).
    data : SimulatedData
        The sequences, their sites and the truth.

    Returns
    -------
    pandas.DataFrame
        One row per (site, task): ``sequence``, ``task``, ``motif``, ``role``
        (``additive``, ``cooperative``, ``spaced``), ``causal`` (the site
        drives this task's label), ``abs_err`` (mean ``|ISM - TISM|`` over the
        site's 3 w alternative bases), ``ism_mag`` (mean ``|ISM|`` there) and
        ``rel_err`` = ``abs_err / ism_mag``; and one ``role="background"`` row
        per (sequence, task) for the positions outside every site.

    Raises
    ------
    ValueError
        If the maps do not match ``data.X``.
    """
    X = check_one_hot(data.X)
    check_attribution(maps["ism"], "maps['ism']", X)
    alt = (X == 0)[:, None].to(maps["ism"].dtype)  # (N, 1, 4, L)
    err = ((maps["ism"] - maps["tism"]).abs() * alt).sum(dim=-2).numpy() / 3  # (N, T, L), per alt base
    mag = (maps["ism"].abs() * alt).sum(dim=-2).numpy() / 3
    n_tasks = err.shape[1]
    rows = []
    covered = np.zeros((len(data), X.shape[-1]), dtype=bool)
    for row, causal in zip(data.sites.itertuples(), data.causal):
        sl = slice(row.start, row.end)
        covered[row.sequence, sl] = True
        for t in range(n_tasks):
            e, m = err[row.sequence, t, sl].mean(), mag[row.sequence, t, sl].mean()
            rows.append({"sequence": row.sequence, "task": t, "motif": row.motif, "role": row.role,
                         "causal": bool(causal[t]), "abs_err": e, "ism_mag": m, "rel_err": e / m if m > 0 else np.nan})
    for n in range(len(data)):
        bg = ~covered[n]
        for t in range(n_tasks):
            e, m = err[n, t, bg].mean(), mag[n, t, bg].mean()
            rows.append({"sequence": n, "task": t, "motif": "-", "role": "background", "causal": False,
                         "abs_err": e, "ism_mag": m, "rel_err": e / m if m > 0 else np.nan})
    return pd.DataFrame(rows)


def regime_test(conc: pd.DataFrame, regime: np.ndarray, n_strata: int = 3) -> pd.DataFrame:
    """Is concordance lower where the label depends on an interaction term?

    Compares Pearson(TISM, ISM) of (sequence, task) pairs whose label depends
    on an interaction term with those driven by additive factors only, overall
    and within strata of equal effect size (quantiles of ``ism_sd``), because
    concordance rises with the size of the effects (the paper's Fig. 1D) and
    interaction terms are larger. Two-sided Mann-Whitney U test per stratum.

    Parameters
    ----------
    conc : pandas.DataFrame
        From :func:`concordance_rows` for one model (columns ``sequence``,
        ``task``, ``pearson``, ``ism_sd``).
    regime : numpy.ndarray, shape=(N, T), str
        From :meth:`tism_tutorial.simulate.SimulatedData.regime`.
    n_strata : int, optional
        Effect-size strata. Default 3.

    Returns
    -------
    pandas.DataFrame
        One row per stratum (``"all"`` first): ``stratum``, ``n_additive``,
        ``n_interaction``, ``mean_additive``, ``mean_interaction``,
        ``difference`` (interaction - additive) and ``p_value``.

    Raises
    ------
    ValueError
        If ``regime`` does not match the table or ``n_strata < 1``.
    """
    n_strata = check_int(n_strata, "n_strata", minimum=1)
    regime = np.asarray(regime)
    if regime.ndim != 2 or conc["sequence"].max() >= regime.shape[0] or conc["task"].max() >= regime.shape[1]:
        raise ValueError(f"regime of shape {regime.shape} does not match the concordance table")
    df = conc.assign(regime=regime[conc["sequence"], conc["task"]]).dropna(subset=["pearson"])
    df = df[df.regime != "none"]
    df = df.assign(stratum=pd.qcut(df["ism_sd"], n_strata, labels=[f"effect size {i + 1}/{n_strata}"
                                                                    for i in range(n_strata)]))
    out = []
    for name, part in [("all", df)] + [(s, df[df.stratum == s]) for s in df.stratum.cat.categories]:
        a = part.loc[part.regime == "additive", "pearson"]
        b = part.loc[part.regime == "interaction", "pearson"]
        p = mannwhitneyu(b, a).pvalue if len(a) and len(b) else np.nan
        out.append({"stratum": name, "n_additive": len(a), "n_interaction": len(b), "mean_additive": a.mean(),
                    "mean_interaction": b.mean(), "difference": b.mean() - a.mean(), "p_value": p})
    return pd.DataFrame(out)


def pair_epistasis(model: torch.nn.Module, data: SimulatedData, n_draws: int = 8,
                   random_state: int = 0) -> pd.DataFrame:
    """How non-additively the trained model combines the two sites of each planted pair.

    For every sequence carrying both sites of the cooperative or the spacing
    pair, each site is replaced by random bases (tangermeme's
    ``random_one_hot`` and ``ersatz.substitute``; averaged over ``n_draws``
    draws) to get the predictions with both sites (f11), without the first
    (f01), without the second (f10) and without either (f00). The model's
    epistasis is ``f11 - f10 - f01 + f00``: zero if the two sites add up,
    the full joint effect if neither acts alone (an AND).

    Parameters
    ----------
    model : torch.nn.Module
        Trained model, (N, 4, L) -> (N, T).
    data : SimulatedData
        Sequences and their sites.
    n_draws : int, optional
        Random replacements averaged per sequence. Default 8.
    random_state : int, optional
        Seed of the replacement bases. Default 0.

    Returns
    -------
    pandas.DataFrame
        One row per (sequence with a complete pair, task): ``sequence``,
        ``task``, ``pair`` (``"cooperative"`` or ``"spaced"``), ``active``
        (the pair's term is active in the label: always for a cooperative
        pair, for a spaced pair only when close), ``joint`` (f11 - f00),
        ``epistasis`` and ``share`` = ``|epistasis| / (|f11 - f10| + |f11 - f01|)``,
        the non-additive share of the two sites' effects (0: additive; 0.5: AND).

    Raises
    ------
    ValueError
        If ``n_draws < 1``.
    """
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    rng = np.random.default_rng(random_state)
    rows = []
    for pair, motifs in (("cooperative", COOPERATIVE), ("spaced", SPACED)):
        for n, part in data.sites.groupby("sequence"):
            part = part[part.role == pair]
            if set(part.motif) != set(motifs):
                continue
            (a0, a1), (b0, b1) = sorted(zip(part.start, part.end))
            x = data.X[n:n + 1].expand(n_draws, -1, -1)
            rand_a = random_one_hot((n_draws, 4, a1 - a0), random_state=int(rng.integers(2**31 - 1))).float()
            rand_b = random_one_hot((n_draws, 4, b1 - b0), random_state=int(rng.integers(2**31 - 1))).float()
            no_a = substitute(x, rand_a, start=a0)
            no_b = substitute(x, rand_b, start=b0)
            no_ab = substitute(no_a, rand_b, start=b0)
            f11 = predict(model, data.X[n:n + 1])[0]
            f01, f10, f00 = (predict(model, v).mean(0) for v in (no_a, no_b, no_ab))
            epi = (f11 - f10 - f01 + f00).numpy()
            denom = ((f11 - f10).abs() + (f11 - f01).abs()).numpy()
            active = pair == "cooperative" or b0 - a1 <= data.grammar.max_gap
            for t in range(len(epi)):
                rows.append({"sequence": n, "task": t, "pair": pair, "active": active,
                             "joint": float(f11[t] - f00[t]), "epistasis": float(epi[t]),
                             "share": float(abs(epi[t]) / denom[t]) if denom[t] > 0 else np.nan})
    return pd.DataFrame(rows)


def epistasis_vs_concordance(epistasis: pd.DataFrame, conc: pd.DataFrame,
                             tasks: Mapping[str, Sequence[int]] | None = None) -> pd.DataFrame:
    """Spearman correlation between the model's epistasis share and Pearson(TISM, ISM).

    Parameters
    ----------
    epistasis : pandas.DataFrame
        From :func:`pair_epistasis`.
    conc : pandas.DataFrame
        From :func:`concordance_rows` on the same sequences (one model).
    tasks : dict of str -> list of int, optional
        Pair -> the tasks whose label the pair drives; default: every task.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``pair``, ``n`` (sequence x task rows), ``mean_share``,
        ``spearman_rho`` and ``p_value`` (share vs concordance; negative rho:
        less concordance where the model is less additive).
    """
    df = epistasis.merge(conc[["sequence", "task", "pearson"]], on=["sequence", "task"]).dropna(
        subset=["share", "pearson"])
    out = []
    for pair, part in df.groupby("pair", sort=False):
        if tasks is not None:
            part = part[part.task.isin(tasks.get(pair, []))]
        rho, p = spearmanr(part.share, part.pearson) if len(part) > 2 else (np.nan, np.nan)
        out.append({"pair": pair, "n": len(part), "mean_share": part.share.mean(), "spearman_rho": rho,
                    "p_value": p})
    return pd.DataFrame(out)
