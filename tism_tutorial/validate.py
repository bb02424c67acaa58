"""Input checks shared by every public function, and the one place that picks the device.

Each public function validates its arguments once, at the boundary, and raises
a ``ValueError`` that names the argument and says what was expected. The work
underneath is done by private helpers that trust their input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def as_tensor(value: Any, name: str) -> torch.Tensor:
    """Return ``value`` as a floating tensor, or raise ``ValueError``.

    Tensors are used as they are (no copy); anything else goes through
    ``numpy.asarray``, so Python floats become float64. Integer and
    boolean tensors are cast to float32.

    Parameters
    ----------
    value : torch.Tensor, numpy.ndarray, list or scalar
        Real numbers.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    torch.Tensor
        Floating point, on ``value``'s device (CPU for non-tensors).

    Raises
    ------
    ValueError
        If ``value`` cannot be converted (ragged lists, object arrays) or
        holds complex numbers or another non-real dtype.
    """
    if not isinstance(value, torch.Tensor):
        try:  # via numpy, so Python floats stay float64
            value = torch.as_tensor(np.asarray(value))
        except Exception as err:  # numpy object arrays, ragged lists, ...
            raise ValueError(f"{name} must be a tensor or array, got {type(value).__name__}") from err
    if not (value.dtype.is_floating_point or value.dtype in (torch.int8, torch.uint8, torch.int16,
                                                               torch.int32, torch.int64, torch.bool)):
        raise ValueError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if not value.dtype.is_floating_point:
        value = value.float()
    return value


def check_finite(value: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` if ``value`` holds NaN or infinity.

    Parameters
    ----------
    value : torch.Tensor
        Any shape and dtype ``torch.isfinite`` accepts.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If an element is NaN or infinite (the message gives their number).
    """
    if not torch.isfinite(value).all():
        n_bad = int((~torch.isfinite(value)).sum())
        raise ValueError(f"{name} holds {n_bad} NaN or infinite value(s)")


def check_one_hot(X: Any, name: str = "X") -> torch.Tensor:
    """Check that ``X`` is one-hot DNA of shape (N, 4, L) and return it as float.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray, shape=(N, 4, L)
        Candidate one-hot sequences, channels A, C, G, T; any real dtype.
    name : str, optional
        The argument's name, used in error messages. Default ``"X"``.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L)
        ``X`` as a floating tensor (see :func:`as_tensor`): a floating
        ``X`` keeps its dtype and device, integers and booleans become float32.

    Raises
    ------
    ValueError
        If ``X`` is not rank 3, has a channel axis other than 4, is empty,
        holds NaN/inf, or is not one-hot (exactly one 1 and three 0s at every
        position; all-zero 'N' columns are not allowed because TISM needs a
        reference base).
    """
    X = as_tensor(X, name)
    if X.ndim != 3:
        raise ValueError(f"{name} must have shape (N, 4, L), got rank {X.ndim} with shape {tuple(X.shape)}")
    if X.shape[1] != 4:
        raise ValueError(f"{name} must have 4 channels (A, C, G, T) on axis 1, got shape {tuple(X.shape)}; "
                         "if your array is (N, L, 4), transpose it with X.transpose(1, 2)")
    if X.shape[0] == 0 or X.shape[2] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(X.shape)}")
    check_finite(X, name)
    binary = (X == 0) | (X == 1)
    if not binary.all():
        raise ValueError(f"{name} is not one-hot: it holds values other than 0 and 1")
    counts = X.sum(dim=1)
    if not (counts == 1).all():
        n, pos = (counts != 1).nonzero()[0].tolist()
        raise ValueError(f"{name} is not one-hot: sequence {n}, position {pos} has {int(counts[n, pos])} "
                         "bases set (expected exactly 1; 'N' positions are not supported)")
    return X


def check_attribution(values: Any, name: str, X: torch.Tensor | None = None) -> torch.Tensor:
    """Check an attribution tensor of shape (N, 4, L) or (N, T, 4, L).

    If ``X`` is given, the N and L axes must match it.

    Parameters
    ----------
    values : torch.Tensor or numpy.ndarray, shape=(N, 4, L) or (N, T, 4, L)
        An attribution map (gradient, ISM, TISM, ...), any real dtype.
    name : str
        The argument's name, used in error messages.
    X : torch.Tensor, shape=(N, 4, L), optional
        One-hot sequences the map must match; None (default) skips that check.

    Returns
    -------
    torch.Tensor
        ``values`` as a floating tensor (see :func:`as_tensor`).

    Raises
    ------
    ValueError
        If ``values`` is not real, not rank 3 or 4 with 4 bases on axis -2,
        holds NaN/inf, or does not match ``X`` in N or L.
    """
    values = as_tensor(values, name)
    if values.ndim not in (3, 4) or values.shape[-2] != 4:
        raise ValueError(f"{name} must have shape (N, 4, L) or (N, T, 4, L), got {tuple(values.shape)}")
    check_finite(values, name)
    if X is not None and (values.shape[0] != X.shape[0] or values.shape[-1] != X.shape[-1]):
        raise ValueError(f"{name} of shape {tuple(values.shape)} does not match X of shape {tuple(X.shape)}")
    return values


def is_integer(t: Any) -> bool:
    """True for Python/NumPy integers and 0-d integer tensors; False for booleans and everything else.

    Parameters
    ----------
    t : object
        Any value.

    Returns
    -------
    bool
        False for floats (even ``2.0``), booleans, strings and arrays with dimensions.
    """
    if isinstance(t, (bool, np.bool_)):
        return False
    if isinstance(t, (int, np.integer)):
        return True
    return (isinstance(t, torch.Tensor) and t.ndim == 0 and not t.dtype.is_floating_point
            and not t.dtype.is_complex and t.dtype != torch.bool)


def check_targets(target: Any, n_outputs: int, name: str = "target") -> tuple[list[int], bool]:
    """Normalise ``target`` to a list of ints and say whether it was a scalar.

    A Python or NumPy integer (or a 0-d integer tensor) is a single target;
    a list, tuple, range or 1-d integer array is several.

    Parameters
    ----------
    target : int or sequence of int
        Output index or indices; also 1-d integer ``numpy.ndarray`` or ``torch.Tensor``.
    n_outputs : int
        Number of model outputs; valid targets lie in ``[0, n_outputs)``.
    name : str, optional
        The argument's name, used in error messages. Default ``"target"``.

    Returns
    -------
    targets : list of int
        The targets, in the order given (duplicates are kept).
    scalar : bool
        True if ``target`` was a single integer.

    Raises
    ------
    ValueError
        If a target is not an integer (floats, strings and booleans are
        refused rather than truncated), an array of targets is not 1-d, the
        sequence is empty, or a target lies outside ``[0, n_outputs)``.
    """
    scalar = is_integer(target)
    if scalar:
        targets = [target]
    elif isinstance(target, (str, bytes)) or not hasattr(target, "__iter__"):
        raise ValueError(f"{name} must be an int or a sequence of ints, got {target!r}")
    else:
        if isinstance(target, (torch.Tensor, np.ndarray)) and target.ndim != 1:
            raise ValueError(f"{name} must be an int or a 1-d sequence of ints, got an array of shape "
                             f"{tuple(target.shape)}")
        targets = list(target)
    if not all(is_integer(t) for t in targets):
        raise ValueError(f"{name} must be an int or a sequence of ints, got {target!r}")
    targets = [int(t) for t in targets]
    if len(targets) == 0:
        raise ValueError(f"{name} is an empty sequence")
    bad = [t for t in targets if not 0 <= t < n_outputs]
    if bad:
        raise ValueError(f"{name} {bad} is outside the model's {n_outputs} outputs (valid: 0 to {n_outputs - 1})")
    return targets, scalar


def check_window(start: int, end: int | None, length: int) -> tuple[int, int]:
    """Resolve ``[start, end)`` against a sequence of ``length`` positions.

    ``end=None`` means the end of the sequence. Negative values are not
    accepted (they are ambiguous between libraries).

    Parameters
    ----------
    start : int
        First position, ``>= 0``.
    end : int or None
        One past the last position, ``<= length``; None means ``length``.
    length : int
        Length L of the sequence.

    Returns
    -------
    tuple of (int, int)
        ``(start, end)`` as Python ints, with ``0 <= start < end <= length``.

    Raises
    ------
    ValueError
        If ``start`` or ``end`` is not an integer, the window lies outside
        ``[0, length]``, or it is empty or inverted.
    """
    if end is None:
        end = length
    if not (is_integer(start) and is_integer(end)):
        raise ValueError(f"start and end must be ints, got start={start!r}, end={end!r}")
    start, end = int(start), int(end)
    if start < 0 or end > length:
        raise ValueError(f"window [start={start}, end={end}) lies outside the sequence of length {length}")
    if end <= start:
        raise ValueError(f"window [start={start}, end={end}) is empty or inverted (need start < end)")
    return start, end


def check_baseline(baseline: Any, name: str = "baseline") -> torch.Tensor:
    """Check a per-base background: 4 non-negative probabilities summing to 1.

    Parameters
    ----------
    baseline : sequence of 4 floats, numpy.ndarray or torch.Tensor
        Background probabilities of A, C, G, T.
    name : str, optional
        The argument's name, used in error messages. Default ``"baseline"``.

    Returns
    -------
    torch.Tensor, shape=(4,), float64

    Raises
    ------
    ValueError
        If ``baseline`` is not 4 real values, holds NaN/inf or negative
        values, or does not sum to 1 within 1e-6.
    """
    b = as_tensor(baseline, name).double()
    if b.shape != (4,):
        raise ValueError(f"{name} must be 4 base probabilities (A, C, G, T), got shape {tuple(b.shape)}")
    check_finite(b, name)
    if (b < 0).any() or abs(float(b.sum()) - 1.0) > 1e-6:
        raise ValueError(f"{name} must be non-negative and sum to 1, got {b.tolist()}")
    return b


def check_int(value: Any, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise ``ValueError``.

    Python and NumPy integers and 0-d integer tensors are accepted; booleans,
    floats (even ``2.0``) and strings are refused rather than converted.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        The argument's name, used in the error message.
    minimum : int or None, optional
        Smallest allowed value (inclusive); ``None`` allows any integer.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer or is below ``minimum``.
    """
    if not is_integer(value):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and int(value) < minimum:
        wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    return int(value)


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer (>= 1), else raise ``ValueError``.

    Parameters
    ----------
    value : object
        The value to check; integers as in :func:`is_integer`.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer (booleans and floats included) or is below 1.
    """
    if not is_integer(value) or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: ``device`` if given, else CUDA when a GPU is visible, else the CPU.

    Parameters
    ----------
    device : str, torch.device or None, optional
        ``None`` or ``"auto"`` picks CUDA when :func:`torch.cuda.is_available`
        is true and the CPU otherwise; anything else is passed to
        :class:`torch.device`.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If ``device`` is not a device string torch understands, or names CUDA
        when no CUDA device is visible.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be None, 'auto', 'cpu' or 'cuda[:i]', got {device!r}") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asks for CUDA, but no CUDA device is visible")
    return resolved


def check_pwm(pwm: Any, name: str = "pwm") -> torch.Tensor:
    """Check a position probability matrix and return it as float64, shape (4, w).

    Parameters
    ----------
    pwm : torch.Tensor or numpy.ndarray, shape=(4, w)
        Base probabilities, rows A, C, G, T, one column per motif position.
    name : str, optional
        The argument's name, used in error messages. Default ``"pwm"``.

    Returns
    -------
    torch.Tensor, shape=(4, w), float64

    Raises
    ------
    ValueError
        If ``pwm`` is not (4, w) with w >= 1, holds NaN/inf or negative values,
        or a column does not sum to 1 (within 1e-6).
    """
    p = as_tensor(pwm, name).double()
    if p.ndim != 2 or p.shape[0] != 4 or p.shape[1] == 0:
        raise ValueError(f"{name} must have shape (4, w) with rows A, C, G, T, got {tuple(p.shape)}")
    check_finite(p, name)
    if (p < 0).any() or not torch.allclose(p.sum(dim=0), torch.ones(p.shape[1], dtype=p.dtype), atol=1e-6):
        raise ValueError(f"{name} must hold non-negative base probabilities whose columns sum to 1")
    return p
