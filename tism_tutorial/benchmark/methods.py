"""The timed methods, and the untrained networks the length sweeps time them on.

Each method returns ISM or TISM values of shape (N, 4, W) or (N, T, 4, W)
for the same target(s), in logit units, on the CPU:

* ``"TISM (batched)"``: :func:`tism_batched`, the package's
  :func:`~tism_tutorial.gradient` (batches of sequences, targets as batched
  vector-Jacobian products) followed by :func:`~tism_tutorial.tism`;
* ``"TISM (reference loop)"``: :func:`~tism_tutorial.attributions.tism_reference_loop`,
  one sequence and one backward pass per target at a time (LXsasse/TISM's ``takegrad``);
* ``"ISM loop, batch 20"`` and ``"ISM loop, tuned batch"``:
  :func:`~tism_tutorial.attributions.ism_reference_loop`, the paper's procedure,
  at batch 20 and at the batch size :func:`~tism_tutorial.benchmark.tune_batch_size` finds fastest;
* ``"tangermeme ISM (fast=False)"``: :func:`tangermeme_ism`;
* ``"tangermeme fastISM (forced)"``: :func:`fastism_ism`.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator

import torch

from .. import paper
from ..aitac import AITAC
from ..aitac import Config as AITACConfig
from ..attributions import gradient, ism, ism_reference_loop, tism, tism_reference_loop
from ..model import Beluga, conv_output_length
from ..validate import check_positive_int, resolve_device

__all__ = [
    "ISM_20", "ISM_METHODS", "ISM_TUNED", "TISM_BATCHED", "TISM_LOOP", "TM_FAST", "TM_SLOW", "aitac_style",
    "beluga_style", "fastism_ism", "fastism_threshold_seconds", "FastISMUnavailable", "forced_fastism",
    "ism_function", "min_beluga_length", "n_parameters", "PadTo", "tangermeme_ism", "tism_batched", "tism_function"
]

# Method names, as they appear in records, tables and plots.
TISM_BATCHED = "TISM (batched)"
TISM_LOOP = "TISM (reference loop)"
ISM_20 = "ISM loop, batch 20"
ISM_TUNED = "ISM loop, tuned batch"
TM_SLOW = "tangermeme ISM (fast=False)"
TM_FAST = "tangermeme fastISM (forced)"
#: The four ISM methods, in the order tables list them.
ISM_METHODS = (ISM_20, ISM_TUNED, TM_SLOW, TM_FAST)


def tism_batched(model: torch.nn.Module, X: torch.Tensor, target: int | list[int], batch_size: int = 16,
                 target_batch_size: int = 64) -> torch.Tensor:
    """TISM batched over sequences and targets: :func:`~tism_tutorial.tism` of :func:`~tism_tutorial.gradient`.

    Parameters
    ----------
    model: torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits, in eval mode.
    X: torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target: int or sequence of int
        Output index or indices.
    batch_size: int, optional
        Sequences per forward/backward pass. Default 16.
    target_batch_size: int, optional
        Targets per batched vector-Jacobian product. Default 64.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        TISM in logit units, model dtype, CPU.

    Raises
    ------
    ValueError
        As :func:`~tism_tutorial.gradient`.
    """
    return tism(gradient(model, X, target, batch_size=batch_size, target_batch_size=target_batch_size), X)


class FastISMUnavailable(RuntimeError):
    """tangermeme did not use its fastISM path (the reason is the message)."""


@contextlib.contextmanager
def forced_fastism() -> Iterator[dict]:
    """Force tangermeme's fastISM path on for ``saturation_mutagenesis(fast=True)``.

    tangermeme 1.6 tries fastISM only for jobs that fast=False would take more
    than ``_FAST_MIN_SECONDS`` (30 s) to finish, and uses it only when it is
    not slower on one verification batch (``_FAST_MAX_RELATIVE_TIME``). Inside
    this context both module constants are patched (to 0 s and infinity) and
    restored on exit, so fastISM runs on any job whose capture by
    ``torch.export`` succeeds and passes tangermeme's accuracy check. The
    yielded dict's ``"fallback"`` lists tangermeme's warnings if it still fell
    back to fast=False.

    Yields
    ------
    dict
        ``{"fallback": list of str}``, filled on exit.
    """
    from tangermeme import saturation_mutagenesis as sm
    from tangermeme.utils import TangermemeWarning

    saved = sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME
    sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME = 0.0, math.inf
    state: dict = {"fallback": []}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TangermemeWarning)
            yield state
        for w in caught:
            if issubclass(w.category, TangermemeWarning) and "fast=False" in str(w.message):
                state["fallback"].append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    finally:
        sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME = saved


def fastism_threshold_seconds() -> float:
    """Seconds a job must be projected to take with fast=False before tangermeme tries fastISM (30 in 1.6)."""
    from tangermeme import saturation_mutagenesis as sm

    return float(sm._FAST_MIN_SECONDS)


def fastism_ism(model: torch.nn.Module, X: torch.Tensor, target: int | list[int], start: int = 0,
                end: int | None = None, batch_size: int = 64) -> torch.Tensor:
    """ISM with tangermeme's fastISM path forced on (:func:`forced_fastism`).

    Same arguments and result as :func:`~tism_tutorial.ism`: shape (N, 4, W)
    or (N, T, 4, W), logits, model dtype, CPU.

    Raises
    ------
    FastISMUnavailable
        If tangermeme could not capture or verify the model and fell back to fast=False.
    ValueError
        As :func:`~tism_tutorial.ism`.
    """
    with forced_fastism() as state:
        values = ism(model, X, target, start=start, end=end, batch_size=batch_size, fast=True, verbose=False)
    if state["fallback"]:
        raise FastISMUnavailable(state["fallback"][0])
    return values


def tangermeme_ism(model: torch.nn.Module, X: torch.Tensor, target: int | list[int], start: int = 0,
                   end: int | None = None, batch_size: int = 64) -> torch.Tensor:
    """ISM with tangermeme's ``saturation_mutagenesis(fast=False)`` (:func:`~tism_tutorial.ism`), no progress bar."""
    return ism(model, X, target, start=start, end=end, batch_size=batch_size, fast=False, verbose=False)


def ism_function(method: str) -> Callable[..., torch.Tensor]:
    """The function behind an ISM method name; all take ``(model, X, target, start, end, batch_size=)``.

    Raises
    ------
    ValueError
        If ``method`` is not one of :data:`ISM_METHODS`.
    """
    table = {ISM_20: ism_reference_loop, ISM_TUNED: ism_reference_loop, TM_SLOW: tangermeme_ism,
             TM_FAST: fastism_ism}
    if method not in table:
        raise ValueError(f"method must be one of {ISM_METHODS}, got {method!r}")
    return table[method]


def tism_function(method: str) -> Callable[..., torch.Tensor]:
    """The function behind a TISM method name (:data:`TISM_BATCHED` or :data:`TISM_LOOP`).

    Raises
    ------
    ValueError
        If ``method`` is neither.
    """
    table = {TISM_BATCHED: tism_batched, TISM_LOOP: tism_reference_loop}
    if method not in table:
        raise ValueError(f"method must be {TISM_BATCHED!r} or {TISM_LOOP!r}, got {method!r}")
    return table[method]


# --------------------------------------------------------------------------- #
# Untrained networks sized to L
# --------------------------------------------------------------------------- #


def min_beluga_length() -> int:
    """The shortest input Beluga's unpadded convolutions and pools accept, in bp (310)."""
    length = 1
    while conv_output_length(length) < 1:
        length += 1
    return length


class PadTo(torch.nn.Module):
    """Run a fixed-length model on shorter sequences by zero-padding them on both sides.

    Zero columns are 'N' bases: they carry no sequence, so the wrapped model
    sees the same information as an input of the shorter length.

    Parameters
    ----------
    model: torch.nn.Module
        Takes (B, 4, ``length``).
    length: int
        The wrapped model's input length, bp.
    """

    def __init__(self, model: torch.nn.Module, length: int):
        super().__init__()
        self.model = model
        self.length = length

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """(B, 4, L) with L <= length -> the model's output on the centred, zero-padded input.

        Raises
        ------
        ValueError
            If L exceeds ``length``.
        """
        extra = self.length - X.shape[-1]
        if extra < 0:
            raise ValueError(f"X has length {X.shape[-1]}, longer than the model's {self.length}")
        return self.model(torch.nn.functional.pad(X, (extra // 2, extra - extra // 2)))


def beluga_style(length: int, device: str | torch.device | None = None, seed: int = 0) -> torch.nn.Module:
    """An untrained Beluga-style network for sequences of ``length`` bp (Table 2 analogue).

    Beluga's layers with the first dense layer sized to the length
    (:class:`~tism_tutorial.Beluga` ``(sequence_length=length)``), seeded
    PyTorch default initialisation, built directly on ``device``, eval mode.
    Lengths below :func:`min_beluga_length` (310 bp) are zero-padded to it by
    :class:`PadTo`.

    Parameters
    ----------
    length: int
        Input length in bp, >= 1.
    device: str or torch.device, optional
        Default: CUDA if available, else CPU (:func:`~tism_tutorial.validate.resolve_device`).
    seed: int, optional
        Seed of the initialisation.

    Returns
    -------
    torch.nn.Module
        Maps (B, 4, length) to (B, 2002) logits.

    Raises
    ------
    ValueError
        If ``length`` is not a positive integer or ``device`` is not available.
    """
    length = check_positive_int(length, "length")
    device = resolve_device(device)
    n = max(length, min_beluga_length())
    with torch.random.fork_rng(devices=[]), torch.device(device):
        torch.manual_seed(seed)
        net = Beluga(n)
    return (net if n == length else PadTo(net, n)).eval()


def aitac_style(length: int, device: str | torch.device | None = None, seed: int = 0,
                n_tasks: int = paper.AITAC_DATA["n_cell_types"]) -> torch.nn.Module:
    """An untrained AI-TAC-style network (chapter 5's :class:`~tism_tutorial.aitac.AITAC`) for ``length`` bp.

    The paper's Tables 1 and 2 were timed on AI-TAC-like networks with 81
    outputs; this is chapter 5's design at its default sizes
    (:class:`tism_tutorial.aitac.Config`), seeded, untrained (timing does not
    depend on the weights), eval mode.

    Parameters
    ----------
    length: int
        Input length in bp, >= 50.
    device: str or torch.device, optional
        Default: CUDA if available, else CPU.
    seed: int, optional
        Seed of the initialisation.
    n_tasks: int, optional
        Outputs; default 81 (AI-TAC's cell types, :data:`tism_tutorial.paper.AITAC_DATA`).

    Returns
    -------
    torch.nn.Module
        Maps (B, 4, length) to (B, n_tasks).

    Raises
    ------
    ValueError
        If ``length < 50``, ``n_tasks < 1`` or ``device`` is not available.
    """
    device = resolve_device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = AITAC(n_tasks, length, AITACConfig())
    return net.to(device).eval()


def n_parameters(model: torch.nn.Module) -> int:
    """Number of parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())
