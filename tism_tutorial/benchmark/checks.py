"""Do the timed methods compute the same numbers? Float64 checks (asserted) and float32 agreement (reported)."""

from __future__ import annotations

import copy

import torch

from .. import paper
from ..attributions import ism_reference_loop, model_device_dtype, tism_reference_loop
from ..validate import check_one_hot, check_positive_int, check_window
from .harness import free_memory
from .methods import (
    ISM_20,
    ISM_TUNED,
    TISM_BATCHED,
    TISM_LOOP,
    TM_FAST,
    TM_SLOW,
    FastISMUnavailable,
    ism_function,
    tism_batched,
)

__all__ = ["RTOL", "correctness_checks", "float32_agreement", "relative_difference"]

#: Relative tolerance of the agreement checks (largest difference over largest value).
RTOL = 1e-4


def relative_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """``max |a - b| / max |b|``: how far ``a`` is from the reference ``b``, relative to its scale.

    Parameters
    ----------
    a, b: torch.Tensor
        Same shape, any real dtype (compared in float64).

    Returns
    -------
    float
        Dimensionless; the absolute difference when ``b`` is all zeros.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    scale = b.abs().max().item()
    diff = (a.double() - b.double()).abs().max().item()
    return diff / scale if scale > 0 else diff


def _check(a: torch.Tensor, b: torch.Tensor, rtol: float, **extra) -> dict:
    rel = relative_difference(a, b)
    return {"relative_difference": rel, "passed": bool(rel <= rtol), "rtol": rtol, **extra}


def correctness_checks(model: torch.nn.Module, X: torch.Tensor, target: int, targets: list[int], window: int,
                       tuned_batch_size: int, target_batch_size: int = 64, rtol: float = RTOL) -> dict:
    """Check, in float64, that the timed methods compute the same numbers.

    1. Batched TISM equals the reference loop, for one target on all of ``X``.
    2. Batched multi-target vector-Jacobian products equal the loop over
       targets (first sequence).
    3. Every ISM method equals the plain loop at batch 20 on a ``window``-bp
       window of the first sequence.

    The checks run on a float64 copy of ``model``. In float32 a ReLU or
    max-pool whose inputs nearly tie can switch between two ways of summing
    the same numbers (one sequence or a batch), which changes the gradient
    over that unit's receptive field; :func:`float32_agreement` reports how
    often that happens in the timed runs. float64 makes such ties, and GPU
    TF32 rounding, irrelevant, so what is checked is the algorithms.

    Parameters
    ----------
    model: torch.nn.Module
        The network, eval mode (not modified).
    X: torch.Tensor, shape=(N, 4, L)
        A few one-hot sequences.
    target: int
        Target of checks 1 and 3.
    targets: list of int
        Targets of check 2.
    window: int
        Positions mutated in check 3, >= 1.
    tuned_batch_size: int
        Batch size of the tuned loop and of tangermeme's fast=False.
    target_batch_size: int, optional
        Targets per batched vector-Jacobian product in check 2.
    rtol: float, optional
        Tolerance on :func:`relative_difference`. Default 1e-4.

    Returns
    -------
    dict
        name -> {"relative_difference": float, "passed": bool, ...}; a
        fastISM path tangermeme refused is reported with ``"skipped"``.

    Raises
    ------
    ValueError
        Non one-hot ``X``, a window that does not fit the sequence, or a
        batch size that is not a positive integer.
    """
    X = check_one_hot(X).double()
    window = check_positive_int(window, "window")
    tuned_batch_size = check_positive_int(tuned_batch_size, "tuned_batch_size")
    length = X.shape[-1]
    start, end = check_window(length // 2 - window // 2, length // 2 - window // 2 + window, length)
    model64 = copy.deepcopy(model).double().eval()
    checks = {}
    t_batched = tism_batched(model64, X, target)
    t_loop = tism_reference_loop(model64, X, target)
    checks["TISM batched == reference loop"] = _check(t_batched, t_loop, rtol, n_sequences=X.shape[0])
    m_batched = tism_batched(model64, X[:1], list(targets), target_batch_size=target_batch_size)
    m_loop = tism_reference_loop(model64, X[:1], list(targets))
    checks["multi-target VJPs == loop over targets"] = _check(m_batched, m_loop, rtol, n_targets=len(targets))
    x1 = X[:1]
    reference = ism_reference_loop(model64, x1, target, start, end, batch_size=paper.ISM_BATCH)
    # tangermeme predicts the first batch of edits with fast=False: a batch of at most
    # `window` edits leaves 2/3 of the window to the fastISM path.
    for method, bs in ((ISM_TUNED, tuned_batch_size), (TM_SLOW, tuned_batch_size),
                       (TM_FAST, min(tuned_batch_size, window))):
        name = f"{method} == {ISM_20}"
        try:
            values = ism_function(method)(model64, x1, target, start, end, batch_size=bs)
        except FastISMUnavailable as err:
            checks[name] = {"skipped": str(err), "passed": True}
            continue
        checks[name] = _check(values, reference, rtol, window=[start, end], batch_size=bs)
    del model64
    free_memory(model_device_dtype(model)[0])
    return checks


def _agreement(a: torch.Tensor, b: torch.Tensor, rtol: float, **extra) -> dict:
    scale = b.abs().max().item() or 1.0
    close = (a.double() - b.double()).abs() <= rtol * scale
    positions = close.all(dim=-2) if a.ndim >= 3 else close  # a position agrees when all 4 bases do
    return {"relative_difference": relative_difference(a, b), "rtol": rtol,
            "fraction_within_rtol": float(positions.double().mean()),
            "sequences_within_rtol": int(positions.reshape(a.shape[0], -1).all(dim=1).sum()),
            "n_sequences": int(a.shape[0]), **extra}


def float32_agreement(outputs: dict, rtol: float = RTOL) -> dict:
    """How closely the timed runs themselves agree (reported, not asserted).

    Parameters
    ----------
    outputs: dict
        ``("tism", method)`` -> TISM of the largest measured N of the
        sequences sweep, shape (N, 4, L); ``("vjp", method)`` -> TISM of the
        largest measured T of the targets sweep, shape (N, T, 4, L);
        ``("ism", method)`` -> list of (start, end, ISM values of shape (1, 4, end - start)) of the timed subsets.
    rtol: float, optional
        Tolerance, relative to the largest value. Default 1e-4.

    Returns
    -------
    dict
        name -> {"relative_difference", "fraction_within_rtol" (of positions,
        all four bases within ``rtol``), "sequences_within_rtol", ...}. ISM
        values are compared on the window all timed subsets share.

    Raises
    ------
    ValueError
        If an output the comparison needs is missing or the ISM subsets share no window.
    """
    need = [("tism", TISM_BATCHED), ("tism", TISM_LOOP), ("vjp", TISM_BATCHED), ("vjp", TISM_LOOP),
            ("ism", ISM_20)]
    missing = [k for k in need if k not in outputs]
    if missing:
        raise ValueError(f"outputs lacks {missing}")
    out = {}
    a, b = outputs[("tism", TISM_BATCHED)], outputs[("tism", TISM_LOOP)]
    out["TISM batched vs reference loop"] = _agreement(a, b, rtol)
    a, b = outputs[("vjp", TISM_BATCHED)], outputs[("vjp", TISM_LOOP)]
    out["multi-target VJPs vs loop over targets"] = _agreement(a, b, rtol, n_targets=int(a.shape[1]))
    subsets = [(m, s, e, v) for (kind, m), runs in outputs.items() if kind == "ism" for s, e, v in runs]
    start, end = max(s for _, s, _, _ in subsets), min(e for _, _, e, _ in subsets)
    if start >= end:
        raise ValueError("the timed ISM subsets share no window")
    s0, _, ref = outputs[("ism", ISM_20)][0]
    ref = ref[..., start - s0:end - s0]
    for method, s, e, values in subsets:
        if method != ISM_20:
            out[f"{method} ({e - s} positions) vs {ISM_20}"] = _agreement(values[..., start - s:end - s], ref, rtol,
                                                                          window=[start, end])
    return out
