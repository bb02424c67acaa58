"""Test sequences: JASPAR matrices, sampled sites planted into backgrounds, site masks, FASTA.

Every chapter that needs sequences with known motifs gets them here:

* :data:`MOTIFS`: the one table of factors the book plants, name -> JASPAR 2024
  CORE matrix ID (Rauluseviciute et al. 2024), with :data:`CONCORDANCE_MOTIFS`
  (chapter 4) and the simulator's factors (:mod:`tism_tutorial.simulate`)
  drawn from it;
* :func:`jaspar_pwms` and :func:`sample_sites`: sites sampled from the
  matrices with a seed; :func:`jaspar_motifs`: a whole JASPAR collection (e.g.
  every CORE vertebrate matrix), for motif scans and TOMTOM;
* :func:`plant_site`: one sampled site on a random strand written into a
  sequence (tangermeme's ``ersatz.substitute``);
* :func:`motif_sequences`: random backgrounds carrying one to three sites
  inside a window;
* :func:`site_mask`: which window positions the sites cover;
* :func:`read_fasta`: a reader's own sequences, centred and cropped or padded
  to the model's length.

Shapes: ``X`` is one-hot (N, 4, L), A, C, G, T; matrices are (4, w) base
probabilities with rows A, C, G, T.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tangermeme.ersatz import substitute
from tangermeme.utils import one_hot_encode, random_one_hot

from .validate import check_int, check_pwm, check_window

#: Every factor the book plants -> JASPAR 2024 CORE matrix ID (JASPAR names: CTCF,
#: CEBPB, Runx1, EBF1, GATA2, TBX21, FOS::JUN, Nfatc2, Spi1, IRF4, ETS1).
MOTIFS = {
    "CTCF": "MA0139.2",
    "CEBP": "MA0466.4",
    "RUNX": "MA0002.3",
    "EBF": "MA0154.5",
    "GATA": "MA0036.4",
    "TBX": "MA0690.3",
    "AP-1": "MA0099.4",
    "NFAT": "MA0152.3",
    "PU.1": "MA0080.7",
    "IRF": "MA1419.2",
    "ETS": "MA0098.4",
}
#: The families chapter 4 inserts into Beluga's 2-kb test sequences (AP-1 = FOS::JUN,
#: ETS = ETS1, GATA = GATA2, CEBP = CEBPB; all human).
CONCORDANCE_MOTIFS = ("AP-1", "CTCF", "ETS", "GATA", "CEBP")
#: Family -> JASPAR ID for :data:`CONCORDANCE_MOTIFS`, in that order.
JASPAR_IDS = {name: MOTIFS[name] for name in CONCORDANCE_MOTIFS}
#: The JASPAR release :func:`jaspar_pwms` reads (shipped offline by pyjaspar).
JASPAR_RELEASE = "JASPAR2024"


def jaspar_pwms(ids: Mapping[str, str] | None = None, release: str = JASPAR_RELEASE) -> dict[str, torch.Tensor]:
    """Position probability matrices from the JASPAR database shipped by pyjaspar.

    Parameters
    ----------
    ids : dict of str -> str, optional
        Family name -> JASPAR matrix ID (with version). Default :data:`JASPAR_IDS`.
    release : str, optional
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


def jaspar_motifs(release: str = JASPAR_RELEASE, collection: str = "CORE", tax_group: str = "vertebrates",
                  include: dict | None = None) -> dict[str, np.ndarray]:
    """Base-frequency matrices of a JASPAR collection, read offline through pyjaspar.

    Parameters
    ----------
    release : str, optional
        A release pyjaspar ships. Default ``"JASPAR2024"`` (Rauluseviciute et al. 2024).
    collection : str, optional
        JASPAR collection. Default ``"CORE"``.
    tax_group : str, optional
        Taxonomic group. Default ``"vertebrates"``; the latest version of each matrix is read.
    include : dict of str -> str, optional
        Extra matrix IDs (e.g. the planted ones, name -> ID) to add when the
        latest-version query leaves them out.

    Returns
    -------
    dict of str -> numpy.ndarray, shape=(4, w), float64
        ``"<matrix ID> <name>"`` (memelite's ``read_meme`` key style) -> base
        frequencies, rows A, C, G, T, columns summing to 1.

    Raises
    ------
    ImportError
        If pyjaspar is not installed.
    ValueError
        If the query returns no matrices or an ``include`` ID is unknown.
    """
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    found = list(db.fetch_motifs(collection=collection, tax_group=[tax_group], all_versions=False))
    if not found:
        raise ValueError(f"no JASPAR matrices for collection={collection!r}, tax_group={tax_group!r} in {release}")
    have = {m.matrix_id for m in found}
    for name, matrix_id in (include or {}).items():
        if matrix_id not in have:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = db.fetch_motif_by_id(matrix_id)
            if m is None:
                raise ValueError(f"include names {matrix_id!r} ({name}), which is not in {release}")
            found.append(m)
    out = {}
    for m in found:
        counts = np.array([list(m.counts[b]) for b in "ACGT"], dtype=np.float64)
        out[f"{m.matrix_id} {m.name}"] = counts / counts.sum(axis=0, keepdims=True)
    return out


def sample_sites(pwm: torch.Tensor | np.ndarray, n: int, random_state: int | np.random.Generator = 0,
                 both_strands: bool = True) -> torch.Tensor:
    """Draw binding sites from a position probability matrix.

    Each column's base is drawn independently with the column's
    probabilities; with ``both_strands`` each site is then reverse-complemented
    with probability 1/2 (flipping both axes of an A, C, G, T one-hot).

    Parameters
    ----------
    pwm : torch.Tensor or array, shape=(4, w)
        Base probabilities, rows A, C, G, T, columns summing to 1.
    n : int
        Number of sites, at least 1.
    random_state : int or numpy.random.Generator, optional
        Seed or generator. Default 0.
    both_strands : bool, optional
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
    p = check_pwm(pwm).numpy()
    n = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(random_state)
    cum = np.cumsum(p, axis=0)  # (4, w)
    u = rng.random((n, p.shape[1]))
    idx = np.minimum((u[:, None, :] > cum[None]).sum(axis=1), 3)  # (n, w) base index
    sites = torch.nn.functional.one_hot(torch.from_numpy(idx), 4).transpose(1, 2).to(torch.int8)
    if both_strands:
        flip = torch.from_numpy(rng.random(n) < 0.5)
        sites[flip] = sites[flip].flip(dims=(1, 2))
    return sites


def plant_site(X: torch.Tensor, i: int, site: torch.Tensor, start: int,
               rng: np.random.Generator) -> dict[str, str]:
    """Write one site into sequence ``i`` of ``X`` at ``start``, on a random strand, in place.

    The strand is drawn from ``rng`` (reverse with probability 1/2; the
    reverse complement of an A, C, G, T one-hot flips both axes) and the
    bases are written with tangermeme's ``ersatz.substitute``. Callers have
    validated their arguments; this is the step :func:`motif_sequences` and
    :func:`tism_tutorial.simulate.simulate` share.

    Parameters
    ----------
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences, changed in place.
    i : int
        Which sequence.
    site : torch.Tensor, shape=(1, 4, w)
        One-hot site on the forward strand (e.g. from :func:`sample_sites`).
    start : int
        First position of the site, ``0 <= start <= L - w``.
    rng : numpy.random.Generator
        Draws the strand.

    Returns
    -------
    dict
        ``strand`` (``"+"`` or ``"-"``) and ``site`` (the bases written, as a string).
    """
    reverse = bool(rng.random() < 0.5)
    if reverse:
        site = site.flip(dims=(1, 2))
    X[i:i + 1] = substitute(X[i:i + 1], site, start=start)
    return {"strand": "-" if reverse else "+", "site": "".join("ACGT"[b] for b in site[0].argmax(0).tolist())}


def motif_sequences(n: int, pwms: Mapping[str, torch.Tensor | np.ndarray], start: int, end: int, length: int = 2000,
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
    n : int
        Number of sequences, at least 1.
    pwms : dict of str -> array of shape (4, w)
        Family name -> base probabilities (e.g. from :func:`jaspar_pwms`).
    start, end : int
        Window ``[start, end)`` that holds all sites, ``0 <= start < end <= length``.
    length : int, optional
        Sequence length in bp. Default 2,000 (Beluga's input).
    max_sites : int, optional
        Most sites per sequence. Default 3.
    random_state : int, optional
        Seed of backgrounds, site choice, sampling and placement. Default 0.

    Returns
    -------
    X : torch.Tensor, shape=(n, 4, length), float32
        One-hot sequences, A, C, G, T.
    sites : pandas.DataFrame
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
    n = check_int(n, "n", minimum=1)
    if not pwms:
        raise ValueError("pwms is empty: give at least one family -> (4, w) matrix")
    max_sites = check_int(max_sites, "max_sites", minimum=1)
    length = check_int(length, "length", minimum=1)
    start, end = check_window(start, end, length)
    pwms = {name: check_pwm(p, f"pwms[{name!r}]") for name, p in pwms.items()}
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
            rows.append({"sequence": i, "motif": motif, "start": pos, "end": pos + w,
                         **plant_site(X, i, site, pos, rng)})
            offset = pos + w
    sites = pd.DataFrame(rows, columns=["sequence", "motif", "start", "end", "strand", "site"])
    return X.float(), sites


def site_mask(sites: pd.DataFrame, n: int, start: int, end: int) -> torch.Tensor:
    """Which window positions lie inside an inserted site.

    Parameters
    ----------
    sites : pandas.DataFrame
        The table of :func:`motif_sequences` (columns ``sequence``, ``start``, ``end``).
    n : int
        Number of sequences.
    start, end : int
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
    n = check_int(n, "n", minimum=1)
    start, end = check_int(start, "start", minimum=0), check_int(end, "end", minimum=0)
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


def read_fasta(path: str | os.PathLike, length: int = 2000, random_state: int = 0) -> tuple[torch.Tensor, pd.DataFrame]:
    """One-hot sequences of ``length`` bp from a FASTA file, centred and cropped or padded.

    A longer sequence keeps its central ``length`` bp; a shorter one is placed
    in the centre of a uniformly random background of ``length`` bp. Bases
    other than A, C, G, T (N and other IUPAC codes) are replaced by random
    bases, because TISM needs a reference base at every position. Each change
    is listed in the returned table and summarised in one warning.

    Parameters
    ----------
    path : str or os.PathLike
        FASTA file (upper- or lower-case sequence; read with Biopython).
    length : int, optional
        Model input length. Default 2,000 (Beluga).
    random_state : int, optional
        Seed of the padding and replacement bases. Default 0.

    Returns
    -------
    X : torch.Tensor, shape=(n, 4, length), float32
        One-hot sequences, A, C, G, T, in file order.
    records : pandas.DataFrame
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
    length = check_int(length, "length", minimum=1)
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
