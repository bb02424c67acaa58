"""How well TISM matches ISM: test sequences and the concordance measures of the paper.

Sasse, Chikina & Mostafavi (2024, iScience 27:110807, Fig. 1 and Fig. S1)
measure, for every sequence and every output (cell type), the Pearson
correlation between TISM and ISM over all positions of the sequence and the
three *alternative* bases at each position (the reference base, where both are
zero by definition, is left out). This module holds those definitions and the
test sequences the book's concordance chapter runs them on:

* :func:`jaspar_pwms` and :func:`sample_sites`: transcription-factor sites
  sampled from JASPAR 2024 matrices (Rauluseviciute et al. 2024) with a seed;
* :func:`motif_sequences`: random backgrounds carrying one to three sites
  inside a window (tangermeme's ``random_one_hot`` and ``ersatz.substitute``);
* :func:`site_mask`: which window positions the sites cover;
* :func:`read_fasta`: a reader's own sequences, centred and cropped or padded
  to the model's length;
* :func:`pearson_alt` (the paper's definition), :func:`pearson_rows` and
  :func:`concordance_table`, which computes every per-(sequence, target)
  number of the chapter from ISM, the gradient and the reference prediction;
* :func:`summarize` and :data:`PAPER`: the summary statistics of Fig. 1A and
  the paper's values beside them; :func:`resolve_targets` and
  :func:`target_family` name the outputs.

Shapes follow :mod:`tism_tutorial.attributions`: ``X`` is one-hot (N, 4, L),
A, C, G, T; attribution maps are (N, T, 4, W) for T targets over a window of
W positions; values are in logit units.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tangermeme.ersatz import substitute
from tangermeme.utils import one_hot_encode, random_one_hot

from .validate import as_tensor, check_attribution, check_finite, check_one_hot
from .attributions import global_attribution, mean_effect, tism

#: Transcription-factor families inserted into the test sequences -> JASPAR 2024 matrix ID.
#: AP-1 = FOS::JUN heterodimer, ETS = ETS1, GATA = GATA2, CEBP = CEBPB; all CORE, human.
JASPAR_IDS = {
    "AP-1": "MA0099.4",
    "CTCF": "MA0139.2",
    "ETS": "MA0098.4",
    "GATA": "MA0036.4",
    "CEBP": "MA0466.4",
}
#: The JASPAR release :func:`jaspar_pwms` reads (shipped offline by pyjaspar).
JASPAR_RELEASE = "JASPAR2024"

#: The paper's concordance results on AI-TAC (9,158 sequences x 81 cell types, 251 bp):
#: Fig. 1A mean, median and fraction of profiles with Pearson >= 0.6; Fig. 1D Pearson R
#: between concordance and predicted accessibility.
PAPER = {"mean": 0.70, "median": 0.73, "frac_above": 0.87, "threshold": 0.6, "r_prediction": 0.29}

# Target-name patterns (Beluga's "<cell>_<factor>_<treatment>") -> inserted motif family.
_FAMILY_PATTERNS = [
    ("AP-1", r"_(JunD|c-Jun|JunB|c-Fos|FOS|FOSL1|FOSL2|eGFP-JunD|eGFP-JunB|eGFP-FOS)_"),
    ("CTCF", r"_CTCF_"),
    ("ETS", r"_(ETS1|GABP|ELF1|ELK1|ELK4)_"),
    ("GATA", r"_(GATA-?\d|eGFP-GATA2)_"),
    ("CEBP", r"_(CEBPB|CEBPD)_"),
    ("DNase", r"_DNase_"),
]


# ----------------------------------------------------------------------------
# Test sequences
# ----------------------------------------------------------------------------

def jaspar_pwms(ids: dict | None = None, release: str = JASPAR_RELEASE) -> dict[str, torch.Tensor]:
    """Position probability matrices from the JASPAR database shipped by pyjaspar.

    Parameters
    ----------
    ids: dict of str -> str, optional
        Family name -> JASPAR matrix ID (with version). Default :data:`JASPAR_IDS`.
    release: str, optional
        JASPAR release known to pyjaspar. Default ``"JASPAR2024"``.

    Returns
    -------
    dict of str -> torch.Tensor, shape=(4, w), float64
        Base probabilities (rows A, C, G, T; columns sum to 1) for each family,
        in the order of ``ids``.

    Raises
    ------
    ImportError
        If pyjaspar is not installed.
    ValueError
        If an ID is not in the release.
    """
    try:
        from pyjaspar import jaspardb
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("jaspar_pwms needs pyjaspar (it ships the JASPAR database offline): "
                          "pip install pyjaspar") from err
    ids = JASPAR_IDS if ids is None else ids
    db = jaspardb(release=release)
    pwms = {}
    for name, matrix_id in ids.items():
        with warnings.catch_warnings():  # pyjaspar warns before returning None for an unknown ID
            warnings.simplefilter("ignore")
            motif = db.fetch_motif_by_id(matrix_id)
        if motif is None:
            raise ValueError(f"JASPAR matrix {matrix_id!r} ({name}) is not in {release}")
        counts = torch.tensor([list(motif.counts[b]) for b in "ACGT"], dtype=torch.float64)
        pwms[name] = counts / counts.sum(dim=0, keepdim=True)
    return pwms


def _check_pwm(pwm, name: str = "pwm") -> torch.Tensor:
    p = as_tensor(pwm, name).double()
    if p.ndim != 2 or p.shape[0] != 4 or p.shape[1] == 0:
        raise ValueError(f"{name} must have shape (4, w) with rows A, C, G, T, got {tuple(p.shape)}")
    check_finite(p, name)
    if (p < 0).any() or not torch.allclose(p.sum(dim=0), torch.ones(p.shape[1], dtype=p.dtype), atol=1e-6):
        raise ValueError(f"{name} must hold non-negative base probabilities whose columns sum to 1")
    return p


def sample_sites(pwm, n: int, random_state: int | np.random.Generator = 0,
                 both_strands: bool = True) -> torch.Tensor:
    """Draw binding sites from a position probability matrix.

    Each column's base is drawn independently with the column's
    probabilities; with ``both_strands`` each site is then reverse-complemented
    with probability 1/2 (flipping both axes of an A, C, G, T one-hot).

    Parameters
    ----------
    pwm: torch.Tensor or array, shape=(4, w)
        Base probabilities, rows A, C, G, T, columns summing to 1.
    n: int
        Number of sites, at least 1.
    random_state: int or numpy.random.Generator, optional
        Seed or generator. Default 0.
    both_strands: bool, optional
        Put half of the sites (at random) on the reverse strand. Default True.

    Returns
    -------
    torch.Tensor, shape=(n, 4, w), int8
        One-hot sites.

    Raises
    ------
    ValueError
        If ``pwm`` is not a (4, w) probability matrix or ``n < 1``.
    """
    p = _check_pwm(pwm).numpy()
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    rng = np.random.default_rng(random_state)
    cum = np.cumsum(p, axis=0)  # (4, w)
    u = rng.random((n, p.shape[1]))
    idx = np.minimum((u[:, None, :] > cum[None]).sum(axis=1), 3)  # (n, w) base index
    sites = torch.nn.functional.one_hot(torch.from_numpy(idx), 4).transpose(1, 2).to(torch.int8)
    if both_strands:
        flip = torch.from_numpy(rng.random(n) < 0.5)
        sites[flip] = sites[flip].flip(dims=(1, 2))
    return sites


def motif_sequences(n: int, pwms: dict, start: int, end: int, length: int = 2000,
                    max_sites: int = 3, random_state: int = 0) -> tuple[torch.Tensor, pd.DataFrame]:
    """Random sequences each carrying one to ``max_sites`` sampled factor sites in a window.

    Backgrounds are uniform random bases (tangermeme ``random_one_hot``). For
    each sequence a number of sites k is drawn uniformly from 1 to
    ``min(max_sites, len(pwms))``, then k distinct families, one site per
    family (:func:`sample_sites`) and random non-overlapping positions inside
    ``[start, end)``, each on a random strand; the sites are written with
    tangermeme's ``ersatz.substitute``. Everything is determined by ``random_state``.

    Parameters
    ----------
    n: int
        Number of sequences, at least 1.
    pwms: dict of str -> array of shape (4, w)
        Family name -> base probabilities (e.g. from :func:`jaspar_pwms`).
    start, end: int
        Window ``[start, end)`` that holds all sites, ``0 <= start < end <= length``.
    length: int, optional
        Sequence length in bp. Default 2,000 (Beluga's input).
    max_sites: int, optional
        Most sites per sequence. Default 3.
    random_state: int, optional
        Seed of backgrounds, site choice, sampling and placement. Default 0.

    Returns
    -------
    X: torch.Tensor, shape=(n, 4, length), float32
        One-hot sequences, A, C, G, T.
    sites: pandas.DataFrame
        One row per site: ``sequence`` (index), ``motif`` (family), ``start``,
        ``end`` (0-based, end exclusive, sequence coordinates), ``strand``
        (``+``/``-``) and ``site`` (the sampled bases).

    Raises
    ------
    ValueError
        If ``n`` or ``max_sites`` is below 1, ``pwms`` is empty or holds a bad
        matrix, the window lies outside the sequence, or the largest possible
        set of sites does not fit into the window.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not pwms:
        raise ValueError("pwms is empty: give at least one family -> (4, w) matrix")
    if not isinstance(max_sites, (int, np.integer)) or max_sites < 1:
        raise ValueError(f"max_sites must be a positive int, got {max_sites!r}")
    if not (isinstance(start, (int, np.integer)) and isinstance(end, (int, np.integer))
            and 0 <= start < end <= length):
        raise ValueError(f"window [start={start}, end={end}) must satisfy 0 <= start < end <= length={length}")
    pwms = {name: _check_pwm(p, f"pwms[{name!r}]") for name, p in pwms.items()}
    names = list(pwms)
    k_max = min(max_sites, len(names))
    widest = sum(sorted((p.shape[1] for p in pwms.values()), reverse=True)[:k_max])
    if widest > end - start:
        raise ValueError(f"the window [{start}, {end}) holds {end - start} bp but {k_max} sites may need "
                         f"{widest} bp: widen the window or lower max_sites")
    rng = np.random.default_rng(random_state)
    X = random_one_hot((n, 4, length), random_state=int(rng.integers(2**31 - 1)))
    rows = []
    for i in range(n):
        k = int(rng.integers(1, k_max + 1))
        chosen = [names[j] for j in rng.choice(len(names), size=k, replace=False)]
        widths = [pwms[m].shape[1] for m in chosen]
        cuts = np.sort(rng.integers(0, end - start - sum(widths) + 1, size=k))
        offset = start
        for j, (motif, w) in enumerate(zip(chosen, widths)):
            pos = int(offset + cuts[j] - (cuts[j - 1] if j else 0))
            site = sample_sites(pwms[motif], 1, rng, both_strands=False)
            reverse = bool(rng.random() < 0.5)
            if reverse:
                site = site.flip(dims=(1, 2))  # reverse complement of an A, C, G, T one-hot
            X[i:i + 1] = substitute(X[i:i + 1], site, start=pos)
            rows.append({"sequence": i, "motif": motif, "start": pos, "end": pos + w,
                         "strand": "-" if reverse else "+",
                         "site": "".join("ACGT"[b] for b in site[0].argmax(0).tolist())})
            offset = pos + w
    sites = pd.DataFrame(rows, columns=["sequence", "motif", "start", "end", "strand", "site"])
    return X.float(), sites


def site_mask(sites: pd.DataFrame, n: int, start: int, end: int) -> torch.Tensor:
    """Which window positions lie inside an inserted site.

    Parameters
    ----------
    sites: pandas.DataFrame
        The table of :func:`motif_sequences` (columns ``sequence``, ``start``, ``end``).
    n: int
        Number of sequences.
    start, end: int
        The window ``[start, end)`` in sequence coordinates.

    Returns
    -------
    torch.Tensor, shape=(n, end - start), bool
        True at positions covered by a site.

    Raises
    ------
    ValueError
        If ``sites`` lacks a column, names a sequence outside ``[0, n)``, or
        the window is empty.
    """
    missing = {"sequence", "start", "end"} - set(sites.columns)
    if missing:
        raise ValueError(f"sites lacks column(s) {sorted(missing)}")
    if end <= start:
        raise ValueError(f"window [start={start}, end={end}) is empty")
    mask = torch.zeros(n, end - start, dtype=torch.bool)
    for row in sites.itertuples():
        if not 0 <= row.sequence < n:
            raise ValueError(f"sites names sequence {row.sequence}, outside 0 to {n - 1}")
        lo, hi = max(row.start, start), min(row.end, end)
        if hi > lo:
            mask[row.sequence, lo - start:hi - start] = True
    return mask


def read_fasta(path, length: int = 2000, random_state: int = 0) -> tuple[torch.Tensor, pd.DataFrame]:
    """One-hot sequences of ``length`` bp from a FASTA file, centred and cropped or padded.

    A longer sequence keeps its central ``length`` bp; a shorter one is placed
    in the centre of a uniformly random background of ``length`` bp. Bases
    other than A, C, G, T (N and other IUPAC codes) are replaced by random
    bases, because TISM needs a reference base at every position. Each change
    is listed in the returned table and summarised in one warning.

    Parameters
    ----------
    path: str or os.PathLike
        FASTA file (upper- or lower-case sequence; read with Biopython).
    length: int, optional
        Model input length. Default 2,000 (Beluga).
    random_state: int, optional
        Seed of the padding and replacement bases. Default 0.

    Returns
    -------
    X: torch.Tensor, shape=(n, 4, length), float32
        One-hot sequences, A, C, G, T, in file order.
    records: pandas.DataFrame
        One row per sequence: ``name``, ``length`` (as read), ``action``
        (``"kept"``, ``"cropped"`` or ``"padded"``), ``offset`` (where the
        original sequence's first kept base lies in the returned sequence, or
        the first returned base lies in the original when cropped) and
        ``n_replaced`` (non-ACGT bases replaced).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not FASTA or holds no records, a record is empty or holds
        characters that are not IUPAC nucleotide codes, or ``length < 1``.
    """
    from Bio import SeqIO

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"FASTA file {path} does not exist")
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    try:
        with open(path) as fh:
            records = list(SeqIO.parse(fh, "fasta"))
    except ValueError as err:  # Biopython: text before the first '>', ...
        raise ValueError(f"{path} is not a FASTA file Biopython can read: {err}") from err
    if not records:
        raise ValueError(f"{path} holds no FASTA records (expected lines starting with '>')")
    ambiguous = list("NRYSWKMBDHV")
    background = random_one_hot((len(records), 4, length), random_state=random_state)
    X, rows = [], []
    for i, rec in enumerate(records):
        seq = str(rec.seq).upper()
        if not seq:
            raise ValueError(f"record {rec.id!r} in {path} is empty")
        bad = sorted(set(seq) - set("ACGT") - set(ambiguous))
        if bad:
            raise ValueError(f"record {rec.id!r} in {path} holds characters {bad} that are not nucleotides "
                             "(A, C, G, T or IUPAC codes)")
        if len(seq) > length:
            offset = (len(seq) - length) // 2
            seq, action, where = seq[offset:offset + length], "cropped", 0
        else:
            offset = where = (length - len(seq)) // 2
            action = "kept" if len(seq) == length else "padded"
        n_replaced = sum(seq.count(c) for c in ambiguous)
        # substitute keeps the background where the motif column is all zero (ambiguous bases)
        x = substitute(background[i:i + 1], one_hot_encode(seq, ignore=ambiguous)[None], start=where)
        X.append(x)
        rows.append({"name": rec.id, "length": len(rec.seq), "action": action, "offset": offset,
                     "n_replaced": n_replaced})
    table = pd.DataFrame(rows)
    changed = table[(table.action != "kept") | (table.n_replaced > 0)]
    if len(changed):
        warnings.warn(
            f"{len(changed)} of {len(table)} sequences in {path.name} were changed to fit the model's "
            f"{length} bp: {int((table.action == 'cropped').sum())} cropped to their central {length} bp, "
            f"{int((table.action == 'padded').sum())} padded with random bases around them, "
            f"{int(table.n_replaced.sum())} non-ACGT bases replaced by random bases "
            "(see the returned table).", stacklevel=2)
    return torch.cat(X).float(), table


# ----------------------------------------------------------------------------
# Concordance measures
# ----------------------------------------------------------------------------

def pearson_rows(a, b) -> np.ndarray:
    """Pearson correlation along the last axis, in float64.

    Parameters
    ----------
    a, b: torch.Tensor or array, same shape (..., K)
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
    a = a - a.mean(dim=-1, keepdim=True)
    b = b - b.mean(dim=-1, keepdim=True)
    denom = (a.square().sum(-1) * b.square().sum(-1)).sqrt()
    r = (a * b).sum(-1) / denom
    r = torch.where(denom > 0, r.clamp(-1.0, 1.0), torch.full_like(r, float("nan")))
    return r.numpy()


def alternatives(values, X) -> torch.Tensor:
    """The values at the three alternative (non-reference) bases of every position.

    Parameters
    ----------
    values: torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        A map over a window (ISM, TISM, gradient, ...).
    X: torch.Tensor, shape=(N, 4, W)
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


def pearson_alt(a, b, X) -> np.ndarray:
    """Pearson(a, b) per sequence (and target) over window positions x alternative bases.

    The paper's concordance (Sasse et al. 2024, Fig. 1): for each sequence and
    target, the correlation of the 3 W values of two maps at the alternative
    bases of the W window positions. The reference base, where ISM and TISM
    are zero by definition, is left out.

    Parameters
    ----------
    a, b: torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        Two maps over the same window, e.g. TISM and ISM (logit).
    X: torch.Tensor, shape=(N, 4, W)
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


def concordance_table(ism_values, grad, X, y0, targets, names=None) -> pd.DataFrame:
    """Every concordance measure of the chapter, one row per (sequence, target).

    All maps are over the same window of W positions (slice the gradient and
    ``X`` to the ISM window first).

    Columns
    -------
    ``sequence``, ``target`` (index), ``name`` (target name);
    ``r_tism``: Pearson(TISM, ISM) over W x 3 alternative bases (Fig. 1A);
    ``r_grad``: Pearson(gradient, ISM) over the same values (Fig. 1C);
    ``r_mean_tism``: Pearson over W positions between the TISM and the ISM
    mean effect, ``-sum_b / 3`` (Eq. 7; Fig. S1);
    ``r_mean_gxi``: Pearson over W positions between gradient x input and the
    ISM mean effect (Fig. S1);
    ``logit``: the reference prediction f(s0) (Fig. 1D);
    ``ism_sd``: standard deviation of the 3 W ISM values (logit), the size of
    the effects being matched;
    ``ism_max``: largest absolute ISM value (logit).

    Parameters
    ----------
    ism_values: torch.Tensor, shape=(N, T, 4, W)
        Exact ISM (from :func:`tism_tutorial.ism`), 0 at the reference base.
    grad: torch.Tensor, shape=(N, T, 4, W)
        Input gradient over the window (from :func:`tism_tutorial.gradient`).
    X: torch.Tensor, shape=(N, 4, W)
        One-hot reference over the window.
    y0: torch.Tensor or array, shape=(N, T)
        Reference logits of the same targets.
    targets: sequence of int, length T
        Target indices, for the table.
    names: sequence of str, optional
        All target names (indexed by target, e.g. from
        :func:`tism_tutorial.target_names`); default ``"track <index>"``.

    Returns
    -------
    pandas.DataFrame, N x T rows.

    Raises
    ------
    ValueError
        Shapes that disagree, non one-hot ``X``, or NaN/inf.
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


def resolve_targets(targets, names) -> list[int]:
    """Target indices from indices or exact target names.

    Parameters
    ----------
    targets: int, str or sequence of int/str
        Zero-based indices (e.g. 267) or exact names (e.g. ``"H1-hESC_JunD_None"``).
    names: sequence of str
        All target names of the model (from :func:`tism_tutorial.target_names`).

    Returns
    -------
    list of int
        Indices in the order given.

    Raises
    ------
    ValueError
        If a name is unknown, an index is out of range, a value is neither, the
        list is empty, or a target is listed twice.
    """
    if isinstance(targets, (int, np.integer, str)):
        targets = [targets]
    lookup = {name: i for i, name in enumerate(names)}
    out = []
    for t in targets:
        if isinstance(t, str):
            if t not in lookup:
                close = [n for n in names if t.lower() in n.lower()][:5]
                raise ValueError(f"target name {t!r} is not one of the model's {len(names)} targets"
                                 + (f"; did you mean one of {close}?" if close else ""))
            out.append(lookup[t])
        elif isinstance(t, (int, np.integer)) and not isinstance(t, bool):
            if not 0 <= t < len(names):
                raise ValueError(f"target {t} is outside the model's {len(names)} targets (0 to {len(names) - 1})")
            out.append(int(t))
        else:
            raise ValueError(f"targets must be indices or names, got {t!r}")
    if not out:
        raise ValueError("targets is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"targets lists a target twice: {out}")
    return out


def summarize(r, threshold: float = PAPER["threshold"]) -> dict:
    """Mean, median and fraction >= ``threshold`` of concordance values (Fig. 1A).

    Parameters
    ----------
    r: array-like of float
        Pearson correlations, e.g. the ``r_tism`` column of :func:`concordance_table`.
    threshold: float, optional
        Default 0.6, the paper's cut-off.

    Returns
    -------
    dict with ``n``, ``mean``, ``median``, ``frac_above`` (floats; ``n`` int).

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


def target_family(name: str) -> str:
    """The inserted-motif family a Beluga target belongs to, from its name.

    ``"GM12878_JunD_None"`` -> ``"AP-1"``; CTCF, ETS (ETS1, GABP, ELF1, ELK1,
    ELK4), GATA (GATA-1/2/3), CEBP (CEBPB/D), ``"DNase"``, else ``"other"``.
    """
    for family, pattern in _FAMILY_PATTERNS:
        if re.search(pattern, name):
            return family
    return "other"
