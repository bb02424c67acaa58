"""In silico marginalization of motifs, exact and Taylor-approximated from one gradient.

*Marginalization* (tangermeme's ``marginalize``, Schreiber 2024) substitutes a
motif into many background sequences and compares the model's predictions
before and after: the motif's effect on its own, averaged over backgrounds.
Done exactly it costs one forward pass per (background, motif, position)
(:func:`exact_marginalize`, built on tangermeme's ``ersatz.substitute`` and
``predict``).

The first-order Taylor expansion of the paper (Sasse, Chikina & Mostafavi
2024, iScience 27:110807, Eq. 1), ``f(s) ~ f(s0) + g . (s - s0)`` with
``g = df/ds0``, gives every such effect from one gradient per background
(:func:`taylor_marginalize`). Substituting the one-hot motif ``M`` (4 x k) at
position ``p`` of ``X`` changes only the columns ``p .. p + k - 1``, so::

    Delta_hat(p) = sum_j sum_b g[b, p + j] * (M[b, j] - X[b, p + j])      (Eq. M1)
                 = (g cross-correlated with M)[p]  -  (window sum of g . X)[p]

The first term is a 1-d convolution (``torch.nn.functional.conv1d``, which
is a cross-correlation) of the gradient with the motif as its kernel, batched
over all motifs of one length; the second is the sum of ``g`` at the
reference bases over the k-bp window. For ``k = 1`` Eq. M1 is TISM (the
paper's Eq. 3); for a model linear in ``X`` it is exact for every ``k``.

Conventions follow :mod:`tism_tutorial.attributions`: ``X`` is one-hot
(N, 4, L), A, C, G, T; a motif is a string over A, C, G, T or a one-hot
(4, k) tensor; positions are 0-based starts (the motif covers
``p .. p + k - 1``); effects are in logit units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tangermeme.ersatz import substitute
from tangermeme.predict import predict
from tangermeme.utils import one_hot_encode
from tqdm.auto import tqdm

from .sequences import JASPAR_RELEASE, jaspar_motifs
from .validate import as_tensor, check_attribution, check_int, check_one_hot, check_targets

# ----------------------------------------------------------------------------
# Motifs
# ----------------------------------------------------------------------------

def _motif_from_string(motif: str, name: str) -> torch.Tensor:
    letters = motif.upper()
    bad = sorted(set(letters) - set("ACGT"))
    if bad:
        raise ValueError(f"{name} {motif!r} holds characters outside A, C, G, T: {bad}")
    return one_hot_encode(letters).to(torch.float64)


def motif_one_hot(motif: str | torch.Tensor | np.ndarray, name: str = "motif") -> torch.Tensor:
    """A motif as a one-hot (4, k) float64 tensor, rows A, C, G, T.

    Parameters
    ----------
    motif : str or torch.Tensor or numpy.ndarray, shape=(4, k) or (1, 4, k)
        A non-empty string over A, C, G, T (either case; no N or IUPAC codes),
        or a one-hot matrix of shape (4, k) (or (1, 4, k)), any real dtype,
        rows A, C, G, T.
    name : str, optional
        The argument's name in error messages. Default ``"motif"``.

    Returns
    -------
    torch.Tensor, shape=(4, k), float64
        The motif's one-hot matrix; a tensor stays on its device.

    Raises
    ------
    ValueError
        If the string is empty or holds a character outside A, C, G, T, or
        the matrix is not (4, k) with exactly one 1 and three 0s per column.
    """
    if isinstance(motif, str):
        if not motif:
            raise ValueError(f"{name} is an empty string")
        return _motif_from_string(motif, name)
    M = as_tensor(motif, name)
    if M.ndim == 3 and M.shape[0] == 1:
        M = M[0]
    if M.ndim != 2 or M.shape[0] != 4 or M.shape[1] == 0:
        raise ValueError(f"{name} must be a string or a one-hot matrix of shape (4, k), got shape {tuple(M.shape)}")
    try:
        check_one_hot(M[None], name)
    except ValueError as err:
        raise ValueError(f"{name} is not a one-hot (4, k) motif matrix: {err}") from None
    return M.to(torch.float64)


def _motifs(motifs, name: str = "motifs") -> list[torch.Tensor]:
    """One motif or a sequence of motifs -> list of (4, k) float64 tensors."""
    if isinstance(motifs, str) or (isinstance(motifs, (torch.Tensor, np.ndarray)) and motifs.ndim == 2):
        motifs = [motifs]
    if not isinstance(motifs, (Sequence, torch.Tensor, np.ndarray)) or len(motifs) == 0:
        raise ValueError(f"{name} must be a motif or a non-empty sequence of motifs, got {motifs!r}")
    return [motif_one_hot(m, f"{name}[{i}]") for i, m in enumerate(motifs)]


def jaspar_consensus(release: str = JASPAR_RELEASE, collection: str = "CORE",
                     tax_group: str = "vertebrates") -> pd.DataFrame:
    """Every JASPAR matrix of a collection and taxon, with its consensus sequence.

    The consensus is the most frequent base of each column (ties: the first of
    A, C, G, T) of the matrices :func:`tism_tutorial.sequences.jaspar_motifs`
    reads offline through pyjaspar (Rauluseviciute et al. 2024 for JASPAR
    2024). Only the latest version of each matrix is listed.

    Parameters
    ----------
    release : str, optional
        JASPAR release, as pyjaspar names it. Default ``"JASPAR2024"``
        (:data:`tism_tutorial.sequences.JASPAR_RELEASE`).
    collection : str, optional
        JASPAR collection. Default ``"CORE"``.
    tax_group : str, optional
        Taxonomic group. Default ``"vertebrates"``.

    Returns
    -------
    pandas.DataFrame
        One row per matrix: ``matrix_id``, ``name``, ``consensus`` (A, C, G, T
        string), ``width`` (bp), ``pwm`` (4 x width base probabilities, numpy).

    Raises
    ------
    ImportError
        If pyjaspar is not installed.
    ValueError
        If the query returns no matrix.
    """
    rows = []
    for key, pwm in jaspar_motifs(release, collection, tax_group).items():
        matrix_id, _, name = key.partition(" ")
        rows.append({"matrix_id": matrix_id, "name": name,
                     "consensus": "".join("ACGT"[i] for i in pwm.argmax(axis=0)),
                     "width": pwm.shape[1], "pwm": pwm})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------
# Taylor-approximated marginalization (Eq. M1)
# ----------------------------------------------------------------------------

def _taylor_same_length(g: torch.Tensor, X: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
    """Eq. M1 for motifs of one length. g, X: (B, 4, L); M: (n, 4, k) -> (B, n, L - k + 1)."""
    k = M.shape[-1]
    gain = F.conv1d(g, M.to(g.dtype))                      # sum_j sum_b g[b, p+j] M[b, j]
    at_ref = (g * X.to(g.dtype)).sum(dim=1, keepdim=True)   # (B, 1, L): g at the reference base
    loss = F.conv1d(at_ref, torch.ones(1, 1, k, dtype=g.dtype, device=g.device))  # window sums
    return gain - loss


def taylor_marginalize(grad: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray,
                       motifs: str | torch.Tensor | np.ndarray | Sequence[str | torch.Tensor | np.ndarray],
                       batch_size: int = 64) -> torch.Tensor:
    """First-order (Taylor) effect of substituting each motif at every position (Eq. M1).

    ``Delta_hat[n, m, p] = sum_j sum_b grad[n, b, p + j] * (M_m[b, j] - X[n, b, p + j])``:
    the change in the logit that the gradient at ``X`` predicts when motif
    ``m`` replaces the bases ``p .. p + k_m - 1`` of sequence ``n``. This is
    the first-order Taylor expansion of Sasse, Chikina & Mostafavi (2024,
    iScience 27:110807), Eq. 1, applied to a k-bp substitution; for ``k = 1``
    it is their TISM, Eq. 3. Motifs are grouped by length; each group is one
    ``conv1d`` of the gradient with the motifs as kernels, minus the windowed
    sum of the gradient at the reference bases. No forward pass of the model
    is needed. The exact counterpart is :func:`exact_marginalize` (tangermeme's
    ``marginalize``).

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Gradient of the target logit(s) at ``X``, any floating dtype, from
        :func:`tism_tutorial.attributions.gradient` (logit per unit input);
        finite, on the CPU like ``X``.
    X : torch.Tensor, shape=(N, 4, L)
        The one-hot backgrounds (A, C, G, T) the gradient was taken at, any
        real dtype.
    motifs : str or torch.Tensor or sequence of str or torch.Tensor
        One motif or a non-empty sequence (list, tuple, or an (M, 4, k)
        tensor) of motifs: strings over A, C, G, T, or one-hot (4, k)
        matrices. Lengths may differ but none may exceed L.
    batch_size : int, optional
        Sequences (times targets) per ``conv1d`` call; bounds memory. Default 64.

    Returns
    -------
    torch.Tensor, shape=(N, M, L) or (N, T, M, L), dtype of ``grad``
        Predicted change in logit with motif ``m`` (of M, in the order given)
        starting at position ``p``, on the CPU. Positions where the motif
        would run off the end (``p > L - k_m``) are NaN.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot, ``grad`` does not match it or holds NaN/inf,
        a motif is not a valid string or one-hot matrix, a motif is longer
        than the sequence, or ``batch_size`` is not a positive integer.
    """
    X = check_one_hot(X)
    grad = check_attribution(grad, "grad", X)
    Ms = _motifs(motifs)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    _check_lengths(Ms, X.shape[-1])
    return _taylor(grad, X, Ms, batch_size)


def _check_lengths(Ms: list[torch.Tensor], L: int) -> None:
    too_long = [i for i, M in enumerate(Ms) if M.shape[1] > L]
    if too_long:
        raise ValueError(f"motifs {too_long} are longer than the sequence (L = {L} bp): "
                         f"lengths {[Ms[i].shape[1] for i in too_long]}")


def _taylor(grad: torch.Tensor, X: torch.Tensor, Ms: list[torch.Tensor], batch_size: int = 64) -> torch.Tensor:
    """Eq. M1 on validated input: grad (N, 4, L) or (N, T, 4, L), motifs (4, k_m) -> (N, [T,] M, L)."""
    L = X.shape[-1]
    multi = grad.ndim == 4
    N = X.shape[0]
    T = grad.shape[1] if multi else 1
    g = grad.reshape(N * T, 4, L)
    Xg = X[:, None].expand(N, T, 4, L).reshape(N * T, 4, L) if multi else X
    out = torch.full((N * T, len(Ms), L), float("nan"), dtype=grad.dtype)
    by_length: dict[int, list[int]] = {}
    for i, M in enumerate(Ms):
        by_length.setdefault(M.shape[1], []).append(i)
    for k, idx in by_length.items():
        kernel = torch.stack([Ms[i] for i in idx])
        for s in range(0, N * T, batch_size):
            out[s:s + batch_size, idx, :L - k + 1] = _taylor_same_length(g[s:s + batch_size],
                                                                          Xg[s:s + batch_size], kernel)
    return out.reshape(N, T, len(Ms), L) if multi else out


def taylor_marginalize_loop(grad: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray,
                            motif: str | torch.Tensor | np.ndarray, position: int) -> torch.Tensor:
    """Eq. M1 written as a plain loop over the motif's columns: the reference for the vectorized version.

    The first-order Taylor expansion (Sasse, Chikina & Mostafavi 2024, Eq. 1)
    of one substitution, summed base by base and column by column; see
    :func:`taylor_marginalize`.

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L)
        Gradient of one target's logit at ``X``, any floating dtype, finite,
        on the CPU.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot backgrounds (A, C, G, T), any real dtype.
    motif : str or torch.Tensor, shape=(4, k)
        One motif: a string over A, C, G, T or a one-hot (4, k) matrix.
    position : int
        Start of the substitution (0-based); ``0 <= position <= L - k``.

    Returns
    -------
    torch.Tensor, shape=(N,), dtype of ``grad``
        Predicted change in logit per background.

    Raises
    ------
    ValueError
        As :func:`taylor_marginalize`, and if ``grad`` is not (N, 4, L),
        ``position`` is not a non-negative integer or the window runs off the
        end.
    """
    X = check_one_hot(X)
    grad = check_attribution(grad, "grad", X)
    if grad.ndim != 3:
        raise ValueError(f"grad must have shape (N, 4, L) for one target, got {tuple(grad.shape)}")
    M = motif_one_hot(motif)
    position = _check_position(position, M.shape[1], X.shape[-1])
    total = torch.zeros(X.shape[0], dtype=grad.dtype)
    for j in range(M.shape[1]):
        for b in range(4):
            total += grad[:, b, position + j] * (M[b, j] - X[:, b, position + j]).to(grad.dtype)
    return total


def _check_position(position, k: int, L: int, name: str = "position") -> int:
    position = check_int(position, name, minimum=0)
    if k > L:
        raise ValueError(f"motif of length {k} is longer than the sequence (L = {L} bp)")
    if position + k > L:
        raise ValueError(f"{name}={position} with a motif of length {k} runs off the end of the sequence "
                         f"(L = {L}; need {name} <= {L - k})")
    return position


# ----------------------------------------------------------------------------
# Exact marginalization (substitute + predict)
# ----------------------------------------------------------------------------

def exact_marginalize(model: torch.nn.Module, X: torch.Tensor | np.ndarray,
                      motifs: str | torch.Tensor | np.ndarray | Sequence[str | torch.Tensor | np.ndarray],
                      positions: int | Sequence[int] | np.ndarray | torch.Tensor, target: int | Sequence[int],
                      batch_size: int = 64, device: str | torch.device | None = None,
                      verbose: bool = False) -> torch.Tensor:
    """Exact effect of substituting each motif at each position: f(substituted) - f(X).

    For every background, motif and position, the motif is written into the
    background with tangermeme's ``ersatz.substitute`` and the variant is
    predicted with tangermeme's ``predict``: one forward pass per
    (background, motif, position), plus one per background for f(X). This
    is what tangermeme's ``marginalize`` (Schreiber 2024) computes for one
    motif at one start, looped over motifs and starts. The first-order
    approximation of the same quantity is :func:`taylor_marginalize`.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; must be in eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot backgrounds (A, C, G, T), any real dtype.
    motifs : str or torch.Tensor or sequence of str or torch.Tensor
        One motif or a non-empty sequence of motifs: strings over A, C, G, T,
        or one-hot (4, k) matrices; none may be longer than L.
    positions : int or sequence of int
        Starts of the substitution (0-based), the same for every motif; each
        must leave room for the longest motif (``p + k <= L``).
    target : int or sequence of int
        Output index or indices, in ``[0, n_targets)``.
    batch_size : int, optional
        Variant sequences per forward pass. Default 64.
    device : str or torch.device or None, optional
        Passed to tangermeme's ``predict``; None: the model's device (the
        CPU for a model without parameters). Default None.
    verbose : bool, optional
        Show a progress bar over motifs. Default False.

    Returns
    -------
    torch.Tensor, shape=(N, M, P) or (N, T, M, P)
        Change in logit for M motifs at P positions (in the order given),
        (N, M, P) for an int ``target``, in the model's dtype, on the CPU.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot, a motif is invalid or longer than the
        sequence, ``positions`` is empty, a position is not a non-negative
        integer or its window runs off the end, a target is out of range,
        ``batch_size < 1``, or the model does not return one (N, n_targets)
        tensor.
    """
    X = check_one_hot(X)
    Ms = _motifs(motifs)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    _check_lengths(Ms, X.shape[-1])
    pos_list = _check_positions(positions, Ms, X.shape[-1])
    device = _device(model, device)
    y0 = _reference(model, X, batch_size, device)
    targets, scalar = check_targets(target, y0.shape[1])
    out = _exact(model, X, Ms, pos_list, torch.tensor(targets), y0, batch_size, device, verbose)
    return out[:, 0] if scalar else out


def _check_positions(positions, Ms: list[torch.Tensor], L: int) -> list[int]:
    pos_list = [positions] if not isinstance(positions, (Sequence, np.ndarray, torch.Tensor)) else list(positions)
    if len(pos_list) == 0:
        raise ValueError("positions is an empty sequence")
    return [_check_position(p, max(M.shape[1] for M in Ms), L, "positions") for p in pos_list]


def _device(model: torch.nn.Module, device) -> torch.device | str:
    if device is not None:
        return device
    try:
        return next(model.parameters()).device
    except StopIteration:
        return "cpu"


def _reference(model: torch.nn.Module, X: torch.Tensor, batch_size: int, device) -> torch.Tensor:
    """f(X) for every target, (N, n_targets), checked to be a 2-d output."""
    y0 = predict(model, X, batch_size=batch_size, device=device)
    if not isinstance(y0, torch.Tensor) or y0.ndim != 2:
        raise ValueError("model must return one (N, n_targets) tensor")
    return y0


def _exact(model: torch.nn.Module, X: torch.Tensor, Ms: list[torch.Tensor], pos_list: list[int],
           index: torch.Tensor, y0: torch.Tensor, batch_size: int, device, verbose: bool) -> torch.Tensor:
    """Substitute + predict on validated input -> (N, T, M, P) logit changes against ``y0``."""
    X_int = X.to(torch.int8)
    N, n_pos = X.shape[0], len(pos_list)
    out = torch.empty(N, len(index), len(Ms), n_pos, dtype=y0.dtype)
    # Several motifs' variants per predict call, so that every forward pass gets a full batch.
    per_motif = N * n_pos
    group = max(1, (4 * batch_size) // per_motif)
    for g0 in tqdm(range(0, len(Ms), group), desc="exact marginalization", disable=not verbose):
        chunk = Ms[g0:g0 + group]
        variants = torch.cat([substitute(X_int, M.to(torch.int8)[None], start=p)
                              for M in chunk for p in pos_list])                      # (motifs * P * N, 4, L)
        y = predict(model, variants, batch_size=batch_size, device=device, func=lambda t: t[:, index.to(t.device)])
        y = y.reshape(len(chunk), n_pos, N, len(index)).permute(2, 3, 0, 1)         # (N, T, motifs, P)
        out[:, :, g0:g0 + len(chunk)] = y - y0[:, index, None, None]
    return out


def pair_interaction(model: torch.nn.Module, X: torch.Tensor | np.ndarray, motif_a: str | torch.Tensor | np.ndarray,
                     start_a: int, motif_b: str | torch.Tensor | np.ndarray, start_b: int, target: int,
                     batch_size: int = 64) -> pd.DataFrame:
    """Exact effects of two motifs alone and together, and their interaction.

    ``interaction = Delta(A and B) - Delta(A) - Delta(B)`` per background:
    zero when the model adds the two motifs' effects, and always zero to
    first order, because Eq. M1 (the Taylor expansion of Sasse, Chikina &
    Mostafavi 2024, Eq. 1) is linear in the substitution: for two
    non-overlapping windows the Taylor effect of both is the sum of the two.
    The variants are built with tangermeme's ``ersatz.substitute`` and
    predicted with its ``predict``, as in tangermeme's ``marginalize``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; eval mode, with at
        least one parameter (its device is used).
    X : torch.Tensor, shape=(N, 4, L)
        One-hot backgrounds (A, C, G, T), any real dtype.
    motif_a : str or torch.Tensor, shape=(4, k_a)
        The first motif: a string over A, C, G, T or a one-hot matrix.
    start_a : int
        Its start (0-based); the window must fit in L.
    motif_b : str or torch.Tensor, shape=(4, k_b)
        The second motif.
    start_b : int
        Its start; its window must fit in L and not overlap that of ``motif_a``.
    target : int
        One output index, in ``[0, n_targets)``.
    batch_size : int, optional
        Sequences per forward pass. Default 64.

    Returns
    -------
    pandas.DataFrame
        One row per background: ``delta_a``, ``delta_b``, ``delta_ab`` (logit
        changes from f(X)) and ``interaction``.

    Raises
    ------
    ValueError
        If a motif is invalid, a start is not a non-negative integer or runs
        off the end, the two windows overlap, the target is out of range or
        ``X`` is not one-hot.
    """
    X = check_one_hot(X)
    A, B = motif_one_hot(motif_a, "motif_a"), motif_one_hot(motif_b, "motif_b")
    L = X.shape[-1]
    start_a = _check_position(start_a, A.shape[1], L, "start_a")
    start_b = _check_position(start_b, B.shape[1], L, "start_b")
    if start_a < start_b + B.shape[1] and start_b < start_a + A.shape[1]:
        raise ValueError(f"the windows of motif_a [{start_a}, {start_a + A.shape[1]}) and motif_b "
                         f"[{start_b}, {start_b + B.shape[1]}) overlap")
    X_int = X.to(torch.int8)
    with_a = substitute(X_int, A.to(torch.int8)[None], start=start_a)
    with_b = substitute(X_int, B.to(torch.int8)[None], start=start_b)
    with_ab = substitute(with_a, B.to(torch.int8)[None], start=start_b)
    y = predict(model, torch.cat([X_int, with_a, with_b, with_ab]), batch_size=batch_size,
                device=next(model.parameters()).device)
    (t,), _ = check_targets(target, y.shape[1])
    y0, ya, yb, yab = y[:, t].double().reshape(4, X.shape[0]).numpy()
    return pd.DataFrame({"delta_a": ya - y0, "delta_b": yb - y0, "delta_ab": yab - y0,
                         "interaction": yab - ya - yb + y0})


# ----------------------------------------------------------------------------
# Taylor against exact, motif length by motif length
# ----------------------------------------------------------------------------

def motif_panel(k: int, n: int, jaspar: pd.DataFrame | None = None, random_state: int = 0) -> pd.DataFrame:
    """``n`` random k-mers and (with ``jaspar``) ``n`` JASPAR consensus k-mers.

    A JASPAR k-mer is the most informative k-bp window (largest summed
    information content, 2 - entropy in bits) of the consensus of a matrix
    drawn at random among those at least k bp wide: the core of a real site.

    Parameters
    ----------
    k : int
        Motif length, >= 1.
    n : int
        Motifs of each kind, >= 1. Fewer JASPAR k-mers are returned when fewer
        than ``n`` matrices are at least k bp wide.
    jaspar : pandas.DataFrame or None, optional
        From :func:`jaspar_consensus`; None (the default): random k-mers only.
    random_state : int, optional
        Seed of ``numpy.random.default_rng``. Default 0.

    Returns
    -------
    pandas.DataFrame
        ``kind`` (``"random"`` or ``"JASPAR"``), ``motif`` (string),
        ``source`` (matrix ID and name, or ``"random"``).

    Raises
    ------
    ValueError
        If ``k`` or ``n`` is not a positive integer.
    """
    k = check_int(k, "k", minimum=1)
    n = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(random_state)
    rows = [{"kind": "random", "motif": "".join(rng.choice(list("ACGT"), size=k)), "source": "random"}
            for _ in range(n)]
    if jaspar is not None:
        wide = jaspar[jaspar.width >= k]
        for i in rng.choice(len(wide), size=min(n, len(wide)), replace=False):
            row = wide.iloc[int(i)]
            p = np.clip(row.pwm, 1e-9, 1)
            ic = 2 + (p * np.log2(p)).sum(axis=0)
            start = int(np.argmax(np.convolve(ic, np.ones(k), mode="valid")))
            rows.append({"kind": "JASPAR", "motif": row.consensus[start:start + k],
                         "source": f"{row.matrix_id} {row['name']}"})
    return pd.DataFrame(rows)


def taylor_vs_exact(model: torch.nn.Module, X: torch.Tensor | np.ndarray, grad: torch.Tensor | np.ndarray,
                    panels: dict[int, pd.DataFrame], positions: int | Sequence[int] | np.ndarray | torch.Tensor,
                    target: int, batch_size: int = 64, verbose: bool = True) -> pd.DataFrame:
    """Taylor (Eq. M1) and exact effects of every motif of every panel at the same positions.

    The Taylor effects are :func:`taylor_marginalize` (the first-order
    expansion of Sasse, Chikina & Mostafavi 2024, Eq. 1; TISM, Eq. 3, for
    ``k = 1``); the exact ones are those of :func:`exact_marginalize`
    (tangermeme's ``substitute`` and ``predict``, as in its ``marginalize``).

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot backgrounds (A, C, G, T), any real dtype.
    grad : torch.Tensor, shape=(N, 4, L)
        Gradient of ``target``'s logit at ``X``, any floating dtype, finite,
        on the CPU.
    panels : dict of int to pandas.DataFrame
        Motif length k -> :func:`motif_panel` table (columns ``kind`` and
        ``motif``) of motifs of that length.
    positions : int or sequence of int
        Starts (0-based), each leaving room for the longest motif.
    target : int
        Output index, in ``[0, n_targets)``.
    batch_size : int, optional
        Variant sequences per forward pass. Default 64.
    verbose : bool, optional
        Progress bar over motif lengths. Default True.

    Returns
    -------
    pandas.DataFrame
        One row per (k, motif, background, position): ``k``, ``kind``,
        ``motif``, ``background``, ``position``, ``exact``, ``taylor`` (logit
        changes) and ``dist2`` = ``||s - s0||^2``, twice the number of bases
        the substitution changes.

    Raises
    ------
    ValueError
        As :func:`exact_marginalize` and :func:`taylor_marginalize`; also if
        ``grad`` is not (N, 4, L) or a panel holds motifs of another length
        than its key.
    """
    X = check_one_hot(X)
    grad = check_attribution(grad, "grad", X)
    if grad.ndim != 3:
        raise ValueError(f"grad must have shape (N, 4, L) for one target, got {tuple(grad.shape)}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    motif_sets = {k: _motifs(list(panel.motif), f"panels[{k}].motif") for k, panel in panels.items()}
    for k, Ms in motif_sets.items():
        if any(M.shape[1] != k for M in Ms):
            raise ValueError(f"panels[{k}] holds motifs whose length is not {k}")
    everything = [M for Ms in motif_sets.values() for M in Ms]
    _check_lengths(everything, X.shape[-1])
    positions = _check_positions(positions, everything, X.shape[-1])
    device = _device(model, None)
    y0 = _reference(model, X, batch_size, device)
    (t,), _ = check_targets(target, y0.shape[1])
    frames = []
    for k, panel in tqdm(panels.items(), desc="Taylor vs exact, by motif length", disable=not verbose):
        motifs = list(panel.motif)
        exact = _exact(model, X, motif_sets[k], positions, torch.tensor([t]), y0, batch_size, device,
                       False)[:, 0]                                                            # (N, M, P)
        taylor = _taylor(grad, X, motif_sets[k])[..., positions]
        Ms = torch.stack(motif_sets[k])                                                        # (M, 4, k)
        idx = torch.tensor(positions)[:, None] + torch.arange(k)[None]                         # (P, k)
        windows = X.double()[:, :, idx].permute(0, 2, 1, 3)                                    # (N, P, 4, k)
        dist2 = (Ms[None, :, None] - windows[:, None]).abs().sum(dim=(-2, -1))                 # (N, M, P)
        n, m, p = exact.shape
        frames.append(pd.DataFrame({
            "k": k, "kind": np.repeat(panel.kind.to_numpy(), p)[None].repeat(n, 0).ravel(),
            "motif": np.repeat(np.array(motifs, dtype=object), p)[None].repeat(n, 0).ravel(),
            "background": np.repeat(np.arange(n), m * p), "position": np.tile(positions, n * m),
            "exact": exact.double().numpy().ravel(), "taylor": taylor.double().numpy().ravel(),
            "dist2": dist2.numpy().ravel()}))
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------
# Agreement between approximation and exact values
# ----------------------------------------------------------------------------
