"""Every attribution variant of the book, as plain functions over tensors.

Conventions
-----------
* ``X``: one-hot DNA, ``torch.Tensor`` of shape (N, 4, L), channels A, C, G, T.
* ``target``: an ``int`` gives results of shape (N, 4, L); a sequence of ints
  gives (N, T, 4, L) with the targets in the order given.
* Model outputs are **logits** (pre-sigmoid); gradients and ISM differences
  are in logit units.
* Equation numbers refer to the book's chapter 1 (Taylor link), which follows
  the Methods of Sasse, Chikina & Mostafavi (2024, iScience 27:110807):

  - Eq. (1) first-order Taylor expansion of f around the reference s0;
  - Eq. (2) ISM(l, b) = f(s0 with base b at l) - f(s0);
  - Eq. (3) TISM(l, b) = grad[l, b] - grad[l, ref];
  - Eq. (4) centered ISM: ISM(l, b) - 1/4 sum_j ISM(l, j);
  - Eq. (5) centered TISM = corrected gradient (Majdandzic et al. 2023);
  - Eq. (6) local, global and hypothetical attributions;
  - Eq. (7) mean effect: -sum_b values(l, b) / 3 on the reference base.

Results are returned on the CPU in the model's (or the gradient's) dtype.
Models in float16 or bfloat16 are refused with a ``ValueError``: compute
attributions in float32 (or float64) and cast the model first.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch
from tangermeme.deep_lift_shap import deep_lift_shap as _tm_deep_lift_shap
from tangermeme.saturation_mutagenesis import saturation_mutagenesis

from .validate import (
    as_tensor,
    check_attribution,
    check_baseline,
    check_finite,
    check_one_hot,
    check_positive_int,
    check_targets,
    check_window,
)

#: Parameter dtypes the attribution functions refuse: their rounding error is of the
#: size of the effects being measured.
LOW_PRECISION = (torch.float16, torch.bfloat16)


def _model_device_dtype(model: torch.nn.Module) -> tuple[torch.device, torch.dtype]:
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    if not params:
        return torch.device("cpu"), torch.get_default_dtype()
    low = sorted({str(q.dtype) for q in params if q.dtype in LOW_PRECISION})
    if low:
        raise ValueError(f"model has parameters of dtype {', '.join(low)}: attributions in half precision are "
                         "silently wrong (their rounding errors are of the size of the single-base effects "
                         "being measured). "
                         "Cast the model with model.float() (or .double()) first.")
    p = params[0]
    if model.training:
        warnings.warn("model is in training mode: dropout and batch norm make attributions random. "
                      "Call model.eval() first.", stacklevel=3)
    return p.device, p.dtype


def _output_width(y: torch.Tensor) -> int:
    if y.ndim != 2:
        raise ValueError(f"model must return (N, n_targets) outputs, got shape {tuple(y.shape)}")
    return y.shape[1]


def _n_outputs(model: torch.nn.Module, X: torch.Tensor, device, dtype) -> int:
    with torch.no_grad():
        return _output_width(model(X[:1].to(device, dtype)))


def _expand_x(X: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """X broadcast against (N, 4, L) or (N, T, 4, L) values, on their device and in their dtype."""
    X = X.to(values.device, values.dtype)
    return X[:, None] if values.ndim == 4 else X


def gradient(model: torch.nn.Module, X: torch.Tensor | np.ndarray, target: int | Sequence[int],
             batch_size: int = 16, target_batch_size: int = 64) -> torch.Tensor:
    """Gradient of the target logits with respect to the one-hot input (saliency).

    This is the *local* attribution of Eq. (6) and the first-order term of the
    Taylor expansion, Eq. (1). Each batch of sequences gets one forward pass;
    several targets share it and are back-propagated together as a batch of
    vector-Jacobian products (``torch.autograd.grad(..., is_grads_batched=True)``).

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; must be in eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T), any real dtype.
    target : int or sequence of int
        Output index or indices, in ``[0, n_targets)``.
    batch_size : int, optional
        Sequences per forward pass. Default 16.
    target_batch_size : int, optional
        Targets back-propagated together. Default 64.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        d logit / dX, in the model's dtype, on the CPU.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot (N, 4, L) or holds NaN/inf, a target is out of
        range, a batch size is not a positive integer, ``model`` is not a
        ``torch.nn.Module``, has float16/bfloat16 parameters (see
        :data:`LOW_PRECISION`) or does not return (B, n_targets) outputs.

    Warns
    -----
    UserWarning
        If ``model`` is in training mode.
    """
    X = check_one_hot(X)
    batch_size = check_positive_int(batch_size, "batch_size")
    target_batch_size = check_positive_int(target_batch_size, "target_batch_size")
    device, dtype = _model_device_dtype(model)
    targets = scalar = None
    out = []
    for i in range(0, X.shape[0], batch_size):
        xb = X[i:i + batch_size].to(device, dtype).requires_grad_(True)
        y = model(xb)
        if targets is None:  # validated against the first batch's outputs: no extra forward pass
            targets, scalar = check_targets(target, _output_width(y))
        chunks = []
        for j in range(0, len(targets), target_batch_size):
            tj = targets[j:j + target_batch_size]
            last = j + target_batch_size >= len(targets)
            yt = y[:, tj]
            if len(tj) == 1:
                g = torch.autograd.grad(yt.sum(), xb, retain_graph=not last)[0][:, None]
            else:
                # One-hot cotangents: row k selects target tj[k] for every sequence.
                eye = torch.eye(len(tj), device=device, dtype=dtype)[:, None, :].expand(-1, xb.shape[0], -1)
                g = torch.autograd.grad(yt, xb, eye, retain_graph=not last, is_grads_batched=True)[0]
                g = g.transpose(0, 1)
            chunks.append(g.detach().cpu())
        out.append(torch.cat(chunks, dim=1))
    grad = torch.cat(out)
    return grad[:, 0] if scalar else grad


def global_attribution(grad: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray,
                       baseline: float | Sequence[float] | torch.Tensor | np.ndarray = 0.0) -> torch.Tensor:
    """Gradient times input minus baseline: ``grad * (X - baseline)`` (Eq. 6, global).

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Gradient from :func:`gradient`.
    X : torch.Tensor, shape=(N, 4, L)
        The one-hot sequences the gradient was taken at.
    baseline : float or torch.Tensor of shape (4,), optional
        Reference input: 0 (default) gives gradient x input; 0.25 for every
        base gives the uniform-background version.

    Returns
    -------
    torch.Tensor, same shape and dtype as ``grad``
        On ``grad``'s device (``X`` and a 4-value ``baseline`` are moved there).

    Raises
    ------
    ValueError
        Bad shapes, non one-hot ``X``, NaN/inf, or a baseline that is neither
        a finite scalar nor 4 values.
    """
    X = check_one_hot(X)
    grad = check_attribution(grad, "grad", X)
    b = as_tensor(baseline, "baseline").to(grad.device, grad.dtype)
    check_finite(b, "baseline")
    if b.ndim == 1 and b.shape[0] == 4:
        b = b[:, None]
    elif b.ndim != 0:
        raise ValueError(f"baseline must be a scalar or 4 values (A, C, G, T), got shape {tuple(b.shape)}")
    return grad * (_expand_x(X, grad) - b)


def tism(grad: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Taylor-approximated ISM: ``grad[l, b] - grad[l, ref]`` (Eq. 3).

    The first-order Taylor prediction of ISM(l, b) (Eq. 2): the change in the
    logit when the reference base at l is replaced by b. Zero at the
    reference base; for a model linear in X it equals ISM exactly.

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Gradient from :func:`gradient` (logit units).
    X : torch.Tensor, shape=(N, 4, L)
        The one-hot sequences the gradient was taken at (defines the reference base).

    Returns
    -------
    torch.Tensor, same shape and dtype as ``grad``
        On ``grad``'s device (``X`` must be on the same device).

    Raises
    ------
    ValueError
        Bad shapes, non one-hot ``X``, or NaN/inf.
    """
    X = check_one_hot(X)
    grad = check_attribution(grad, "grad", X)
    at_ref = (grad * _expand_x(X, grad)).sum(dim=-2, keepdim=True)
    return grad - at_ref


def corrected(grad: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Corrected gradient: ``grad`` minus its mean over the 4 bases (Eq. 5).

    Majdandzic, Rajesh & Koo (2023, Genome Biol 24:109) remove the component
    of the gradient that leaves the one-hot simplex. Equal to centered TISM
    and to :func:`hypothetical` with a uniform baseline.

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Gradient from :func:`gradient` (logit units); any real dtype.

    Returns
    -------
    torch.Tensor, same shape, dtype and device as ``grad``.

    Raises
    ------
    ValueError
        Bad shape or NaN/inf.
    """
    grad = check_attribution(grad, "grad")
    return grad - grad.mean(dim=-2, keepdim=True)


def hypothetical(grad: torch.Tensor | np.ndarray,
                 baseline: Sequence[float] | torch.Tensor | np.ndarray = (0.25, 0.25, 0.25, 0.25)) -> torch.Tensor:
    """Hypothetical attributions: ``grad[j] - sum_i baseline[i] grad[i]`` (Eq. 6).

    The contribution each base would have at each position relative to a
    background of base probabilities ``baseline`` (the DeepLIFT/SHAP
    convention of hypothetical contributions). With the uniform background
    this is the corrected gradient.

    Parameters
    ----------
    grad : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        Gradient from :func:`gradient` (logit units); any real dtype.
    baseline : sequence of 4 floats, optional
        Background probabilities of A, C, G, T; non-negative, summing to 1
        (within 1e-6). Default uniform, 0.25 each.

    Returns
    -------
    torch.Tensor, same shape and dtype as ``grad``
        On the CPU (the baseline is a CPU tensor, so ``grad`` must be on the CPU).

    Raises
    ------
    ValueError
        Bad shape, NaN/inf, or a baseline that is not a probability vector.
    """
    grad = check_attribution(grad, "grad")
    b = check_baseline(baseline).to(grad.device, grad.dtype)[:, None]
    return grad - (b * grad).sum(dim=-2, keepdim=True)


def mean_effect(values: torch.Tensor | np.ndarray, X: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Mean effect of mutating each position, placed on the reference base (Eq. 7).

    ``-sum_b values[l, b] / 3`` at the reference base, zero elsewhere. For ISM
    or TISM (zero at the reference) this is minus the mean effect of the
    three possible substitutions: how much the reference base contributes.

    Parameters
    ----------
    values : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        ISM (from :func:`ism`) or TISM (from :func:`tism`).
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences.

    Returns
    -------
    torch.Tensor, same shape and dtype as ``values``
        On ``values``' device (``X`` must be on the same device).

    Raises
    ------
    ValueError
        Bad shapes, non one-hot ``X``, or NaN/inf.
    """
    X = check_one_hot(X)
    values = check_attribution(values, "values", X)
    return -values.sum(dim=-2, keepdim=True) / 3 * _expand_x(X, values)


def center(ism_values: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Centered ISM, the ISM attribution of Eq. (4): ``ISM[l, b] - 1/4 sum_j ISM[l, j]``.

    At the reference base this is ``-1/4 sum_j ISM[l, j]``. Equal to
    tangermeme's ``saturation_mutagenesis(..., hypothetical=True)`` for one target.

    Parameters
    ----------
    ism_values : torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        ISM from :func:`ism` (logit units), 0 at the reference base.

    Returns
    -------
    torch.Tensor, same shape, dtype and device as ``ism_values``.

    Raises
    ------
    ValueError
        Bad shape or NaN/inf.
    """
    ism_values = check_attribution(ism_values, "ism_values")
    return ism_values - ism_values.mean(dim=-2, keepdim=True)


def ism(model: torch.nn.Module, X: torch.Tensor | np.ndarray, target: int | Sequence[int], start: int = 0,
        end: int | None = None,
        batch_size: int = 64, fast: bool = False, verbose: bool | None = None) -> torch.Tensor:
    """Exact in silico saturation mutagenesis (Eq. 2): f(variant) - f(reference).

    Every single-base substitution in ``[start, end)`` is predicted with
    tangermeme's ``saturation_mutagenesis(raw_outputs=True)``, which costs
    3 x (end - start) forward passes per sequence.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; must be in eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target : int or sequence of int
        Output index or indices.
    start, end : int, optional
        Window of positions to mutate, ``0 <= start < end <= L``; ``end=None``
        means L (unlike tangermeme's default, the last base is included).
    batch_size : int, optional
        Variant sequences per forward pass. Default 64.
    fast : bool, optional
        Use tangermeme's fastISM path (recomputes only the positions an edit
        can change; agrees up to rounding). Default False: plain forward passes.
    verbose : bool or None, optional
        Progress bar; None shows one when more than 3,000 variants are scored.

    Returns
    -------
    torch.Tensor, shape=(N, 4, end - start) or (N, T, 4, end - start)
        Change in logit for each base at each window position; exactly 0 at
        the reference base. Model dtype, CPU.

    Raises
    ------
    ValueError
        Non one-hot ``X``, NaN/inf, a target out of range, an empty,
        inverted or out-of-range window, a batch size below 1, or a
        ``model`` that is not a ``torch.nn.Module``, has float16/bfloat16
        parameters or does not return (B, n_targets) outputs.

    Warns
    -----
    UserWarning
        If ``model`` is in training mode.
    """
    X = check_one_hot(X)
    device, dtype = _model_device_dtype(model)
    targets, scalar = check_targets(target, _n_outputs(model, X, device, dtype))
    start, end = check_window(start, end, X.shape[-1])
    batch_size = check_positive_int(batch_size, "batch_size")
    if verbose is None:
        verbose = X.shape[0] * 3 * (end - start) > 3000
    index = torch.tensor(targets)
    y0, y_hat = saturation_mutagenesis(
        model, X, start=start, end=end, batch_size=batch_size, raw_outputs=True, fast=fast,
        device=device, verbose=verbose, func=lambda y: y[:, index.to(y.device)])
    delta = (y_hat - y0[:, None, None, :]).permute(0, 3, 1, 2).cpu()  # (N, T, 4, W)
    return delta[:, 0] if scalar else delta


def deep_lift_shap(model: torch.nn.Module, X: torch.Tensor | np.ndarray, target: int | Sequence[int],
                   n_shuffles: int = 20, random_state: int = 0, hypothetical: bool = False,
                   batch_size: int = 32,
                   return_deltas: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """DeepLIFT/SHAP attributions with dinucleotide-shuffled references (tangermeme).

    Wraps :func:`tangermeme.deep_lift_shap.deep_lift_shap` (rescale rule,
    Shrikumar et al. 2017; averaged over references as in DeepSHAP, Lundberg &
    Lee 2017). Multiplied by the input (``hypothetical=False``) the
    attributions of a sequence sum to f(X) minus the mean of f over its
    references; the gap is the convergence delta.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences.
    target : int or sequence of int
        Output index or indices.
    n_shuffles : int, optional
        References per sequence. Default 20.
    random_state : int, optional
        Seed of the shuffles. Default 0.
    hypothetical : bool, optional
        Return hypothetical attributions for all four bases (True) or the
        attributions multiplied by ``X`` (False, default).
    batch_size : int, optional
        Sequence-reference pairs per pass. Default 32.
    return_deltas : bool, optional
        Also return the convergence deltas, shape (N,) or (N, T): the
        absolute gap between the summed attributions and f(X) - mean f(references).

    Returns
    -------
    attributions : torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        In logit units, on the CPU, in the dtype tangermeme returns.
    deltas : torch.Tensor, shape=(N,) or (N, T)
        Only with ``return_deltas=True``, as the second item of a tuple.

    Raises
    ------
    ValueError
        Non one-hot ``X``, NaN/inf, a target out of range, n_shuffles or
        batch_size not a positive integer, or a ``model`` that is not a
        ``torch.nn.Module``, has float16/bfloat16 parameters or does not
        return (B, n_targets) outputs.

    Warns
    -----
    UserWarning
        If ``model`` is in training mode.
    """
    X = check_one_hot(X)
    device, dtype = _model_device_dtype(model)
    targets, scalar = check_targets(target, _n_outputs(model, X, device, dtype))
    n_shuffles = check_positive_int(n_shuffles, "n_shuffles")
    batch_size = check_positive_int(batch_size, "batch_size")
    attrs, deltas = [], []
    for t in targets:
        attr, refs = _tm_deep_lift_shap(model, X, target=t, n_shuffles=n_shuffles, hypothetical=hypothetical,
                                        random_state=random_state, batch_size=batch_size, device=device,
                                        return_references=True)
        attr = attr.cpu()
        attrs.append(attr)
        if return_deltas:
            contrib = attr * X.to(attr.dtype) if hypothetical else attr
            with torch.no_grad():
                f_x = model(X.to(device, dtype))[:, t].cpu()
                f_r = torch.stack([model(refs[i].to(device, dtype))[:, t].mean() for i in range(len(X))]).cpu()
            deltas.append((contrib.sum(dim=(1, 2)) - (f_x - f_r)).abs())
    attr = attrs[0] if scalar else torch.stack(attrs, dim=1)
    if not return_deltas:
        return attr
    return attr, (deltas[0] if scalar else torch.stack(deltas, dim=1))


# --------------------------------------------------------------------------- #
# Reference per-sequence loops (what chapter 3 times the fast versions against)
# --------------------------------------------------------------------------- #


def model_device_dtype(model: torch.nn.Module) -> tuple[torch.device, torch.dtype]:
    """The device and dtype of ``model``'s parameters (CPU and the default dtype if it has none).

    Parameters
    ----------
    model : torch.nn.Module
        The model the attribution functions will call.

    Returns
    -------
    device : torch.device
        Device of the first parameter (the CPU for a model without parameters).
    dtype : torch.dtype
        Dtype of the first parameter (torch's default dtype without parameters).

    Warns
    -----
    UserWarning
        If the model is in training mode (dropout and batch norm make attributions random).

    Raises
    ------
    ValueError
        If ``model`` is not a ``torch.nn.Module``, or has float16/bfloat16 parameters.
    """
    return _model_device_dtype(model)


def tism_reference_loop(model: torch.nn.Module, X: torch.Tensor | np.ndarray,
                        target: int | Sequence[int]) -> torch.Tensor:
    """TISM (Eq. 3) the way the reference implementation computes it: one sequence and one target at a time.

    For each sequence: one forward pass, then one backward pass per target
    (keeping the graph), each gradient copied to the CPU; :func:`tism` at the
    end. This is the loop of ``takegrad`` in LXsasse/TISM, written with
    ``torch.autograd.grad``; :func:`gradient` computes the same in batches.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; must be in eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target : int or sequence of int
        Output index or indices, in ``[0, n_targets)``.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        TISM in logit units, model dtype, CPU.

    Raises
    ------
    ValueError
        Non one-hot ``X`` or a target out of range.
    """
    X = check_one_hot(X)
    device, dtype = _model_device_dtype(model)
    grads, targets, scalar = [], None, False
    for i in range(X.shape[0]):
        xi = X[i:i + 1].to(device, dtype).requires_grad_(True)
        y = model(xi)
        if targets is None:
            targets, scalar = check_targets(target, _output_width(y))
        per_target = []
        for k, t in enumerate(targets):
            (g,) = torch.autograd.grad(y[0, t], xi, retain_graph=k < len(targets) - 1)
            per_target.append(g[0].cpu())
        grads.append(torch.stack(per_target))
    grad = torch.stack(grads)
    return tism(grad[:, 0] if scalar else grad, X)


@torch.inference_mode()
def ism_reference_loop(model: torch.nn.Module, X: torch.Tensor | np.ndarray, target: int | Sequence[int],
                       start: int = 0, end: int | None = None,
                       batch_size: int = 20) -> torch.Tensor:
    """ISM (Eq. 2) with a plain loop: build each sequence's variants, predict them in batches.

    The procedure Sasse, Chikina & Mostafavi (2024) timed: for every sequence,
    the 3 W single-base variants of the window are built on the model's
    device, predicted ``batch_size`` at a time, and the reference prediction
    subtracted. :func:`ism` computes the same with tangermeme.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits; must be in eval mode.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target : int or sequence of int
        Output index or indices.
    start : int, optional
        First position of the window. Default 0.
    end : int or None, optional
        Window ``[start, end)`` of positions to mutate; ``end=None`` means L.
    batch_size : int, optional
        Variants per forward pass, >= 1. Default 20 (the paper's).

    Returns
    -------
    torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        f(variant) - f(reference) in logits, 0 at the reference base; model dtype, CPU.

    Raises
    ------
    ValueError
        Non one-hot ``X``, a bad window, a target out of range or a batch size < 1.
    """
    X = check_one_hot(X)
    batch_size = check_positive_int(batch_size, "batch_size")
    start, end = check_window(start, end, X.shape[-1])
    device, dtype = _model_device_dtype(model)
    width, length = end - start, X.shape[-1]
    out, index, scalar = [], None, False
    for i in range(X.shape[0]):
        x = X[i].to(device, dtype)
        y0 = model(x[None])
        if index is None:
            targets, scalar = check_targets(target, _output_width(y0))
            index = torch.tensor(targets, device=device)
        y0 = y0[:, index]
        ref = x[:, start:end].argmax(dim=0)
        alt = (ref[:, None] + torch.arange(1, 4, device=device)) % 4  # the 3 other bases, (W, 3)
        pos = torch.arange(start, end, device=device)[:, None].expand(-1, 3).reshape(-1)
        base = alt.reshape(-1)
        values = torch.zeros(len(index), 4, width, device=device, dtype=dtype)
        for j in range(0, pos.shape[0], batch_size):
            p, b = pos[j:j + batch_size], base[j:j + batch_size]
            rows = torch.arange(p.shape[0], device=device)
            xb = x.expand(p.shape[0], 4, length).clone()
            xb[rows, :, p] = 0
            xb[rows, b, p] = 1
            values[:, b, p - start] = (model(xb)[:, index] - y0).T
        out.append(values.cpu())
    values = torch.stack(out)
    return values[:, 0] if scalar else values
