"""A compact AI-TAC-style network, its losses, its training loop and the ablations of Fig. 3D.

Sasse, Chikina & Mostafavi (2024, iScience 27:110807, Fig. 3) study how
TISM-ISM concordance depends on the model: a CNN trained on 251-bp ATAC-seq
peaks of 81 immune cell types (the AI-TAC data of Maslova et al. 2020) with
wide first-layer kernels (19 bp), GELU activations, softmax-weighted mean
pooling, residual convolution blocks with batch norm, dropout, a multi-task
head, a loss that adds MSE and a correlation term, SGD with momentum and
random shifts of the input. :class:`AITAC` is a small version of that design
that trains on a CPU in minutes, and :data:`ABLATIONS` switches off one
ingredient at a time, as in the paper's Fig. 3D.

Shapes: ``X`` is one-hot (N, 4, L), float32, A, C, G, T; outputs and labels
are (N, T) for T tasks.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from tangermeme.deep_lift_shap import BilinearOp
from tangermeme.predict import predict as tm_predict
from torch import nn
from tqdm import tqdm

from .metrics import pearson
from .validate import as_tensor, check_finite, check_int, check_one_hot, resolve_device


@dataclass(frozen=True)
class Config:
    """Architecture and training settings; the defaults are the full design.

    A frozen dataclass: every parameter is also an attribute of the same name.
    :func:`ablation` derives the settings of the paper's Fig. 3D from it.

    Parameters
    ----------
    n_filters : int, optional
        Convolution channels (first layer and residual blocks). Default 64.
    kernel_size : int, optional
        Width of the first-layer kernels in bp. Default 19 (as in the paper).
    activation : str, optional
        ``"gelu"`` (default) or ``"relu"``, used everywhere.
    pooling : str, optional
        ``"softmax"``: softmax-weighted mean pooling (default); ``"max"``: max-pooling.
    batch_norm : bool, optional
        Batch norm after every convolution. Default True.
    n_blocks : int, optional
        Residual convolution blocks (kernel 7); the first is followed by pooling. Default 2.
    shallow : bool, optional
        One convolution, a global pool, then the head (the paper's shallow CNN). Default False.
    hidden : int, optional
        Units of the dense layer before the output. Default 128.
    dropout : float, optional
        Dropout before the output layer. Default 0.2.
    optimizer : str, optional
        ``"sgd"`` (with momentum 0.9, default) or ``"adamw"``.
    lr : float or None, optional
        Learning rate; None: 0.05 for SGD, 0.003 for AdamW.
    weight_decay : float, optional
        Default 0.0 for SGD; AdamW uses 0.01 when this is 0.
    loss : str, optional
        ``"mse+corr"``: MSE plus (1 - Pearson across tasks), per sequence (default); ``"mse"``.
    shift : int, optional
        Random shift of each training sequence by up to ``shift`` bp (circular). Default 3; 0: none.
    epochs : int, optional
        Most training epochs. Default 20.
    patience : int, optional
        Stop after this many epochs without a better validation correlation. Default 5.
    batch_size : int, optional
        Default 64.
    clip : float, optional
        Largest gradient norm per step (``clip_grad_norm_``). Default 1.0.

    Raises
    ------
    ValueError
        If a string setting is not one of its choices, an integer setting is
        not an integer or is below its minimum (1; 0 for ``n_blocks`` and
        ``shift``), ``kernel_size`` is even, ``dropout`` is outside [0, 1),
        ``lr`` is not positive (or None), ``clip`` is not positive or
        ``weight_decay`` is negative.
    """

    n_filters: int = 64
    kernel_size: int = 19
    activation: str = "gelu"
    pooling: str = "softmax"
    batch_norm: bool = True
    n_blocks: int = 2
    shallow: bool = False
    hidden: int = 128
    dropout: float = 0.2
    optimizer: str = "sgd"
    lr: float | None = None
    weight_decay: float = 0.0
    loss: str = "mse+corr"
    shift: int = 3
    epochs: int = 20
    patience: int = 5
    batch_size: int = 64
    clip: float = 1.0

    def __post_init__(self):
        choices = {"activation": ("gelu", "relu"), "pooling": ("softmax", "max"), "optimizer": ("sgd", "adamw"),
                   "loss": ("mse+corr", "mse")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        positive = ("n_filters", "kernel_size", "hidden", "epochs", "patience", "batch_size")
        for name in positive:
            value = getattr(self, name)
            check_int(value, name, minimum=1)
        for name in ("n_blocks", "shift"):
            value = getattr(self, name)
            check_int(value, name, minimum=0)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (same-length padding), got {self.kernel_size}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout!r}")
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be positive or None, got {self.lr!r}")
        if not self.clip > 0:
            raise ValueError(f"clip must be positive, got {self.clip!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")


#: One switch per ablation of the paper's Fig. 3D: name -> changes to :class:`~tism_tutorial.aitac.Config`.
ABLATIONS = {
    "full model": {},
    "ReLU": {"activation": "relu"},
    "max-pooling": {"pooling": "max"},
    "no batch norm": {"batch_norm": False},
    "AdamW": {"optimizer": "adamw"},
    "MSE loss": {"loss": "mse"},
    "no shift augmentation": {"shift": 0},
    "shallow CNN": {"shallow": True},
}

def ablation(name: str, base: Config | None = None) -> Config:
    """The configuration of one ablation: ``base`` with the switch of :data:`ABLATIONS` applied.

    Parameters
    ----------
    name : str
        A key of :data:`ABLATIONS`, e.g. ``"ReLU"`` (Sasse et al. 2024, Fig. 3D).
    base : ~tism_tutorial.aitac.Config or None, optional
        The configuration to change; None (default) means ``Config()``, the full design.

    Returns
    -------
    Config
        A new configuration; ``base`` is left unchanged.

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`ABLATIONS`.
    """
    if name not in ABLATIONS:
        raise ValueError(f"name must be one of {list(ABLATIONS)}, got {name!r}")
    return replace(base or Config(), **ABLATIONS[name])


class SoftmaxPool1d(nn.Module):
    """Softmax-weighted mean pooling over non-overlapping windows.

    Each window of ``kernel_size`` values is averaged with weights
    ``softmax(beta * x)``: ``beta = 0`` gives mean pooling and large ``beta``
    max-pooling. ``beta`` is learned per channel (initialised to 1). Built from
    ``nn.Softmax`` and tangermeme's ``BilinearOp`` so that DeepLIFT/SHAP has a
    rule for every non-linear step.

    Parameters
    ----------
    kernel_size : int
        Window width; a trailing remainder of the length is dropped (as in ``nn.MaxPool1d``).
    channels : int
        Number of channels (one ``beta`` each).
    """

    def __init__(self, kernel_size: int, channels: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.beta = nn.Parameter(torch.ones(channels))
        self.softmax = nn.Softmax(dim=2)
        self.product = BilinearOp("...,...->...")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool each channel over non-overlapping windows of ``kernel_size``.

        Parameters
        ----------
        x : torch.Tensor, shape=(N, channels, length), float
            Activations.

        Returns
        -------
        torch.Tensor, shape=(N, channels, length // kernel_size)
            Softmax-weighted means, in ``x``'s dtype and on its device.
        """
        n, c, length = x.shape
        k = self.kernel_size
        # (n, c, k, windows): the softmax runs over a strided axis, several times faster on CPUs
        x = x[..., :length // k * k].reshape(n, c, length // k, k).transpose(2, 3)
        w = self.softmax(x * self.beta[None, :, None, None])
        return self.product(w, x).sum(dim=2)


class ResidualBlock(nn.Module):
    """``act(x + BN(conv(act(BN(conv(x))))))`` with same-length padding, starting as the identity.

    The batch norm of the second convolution (its weight without batch norm)
    is zero-initialised (Goyal et al. 2017), so the block starts as
    ``act(x)``.

    Parameters
    ----------
    channels : int
        Input and output channels of both convolutions.
    kernel_size : int
        Width of both convolutions (odd, so the padding keeps the length).
    activation : type of torch.nn.Module
        Activation class, e.g. ``nn.GELU`` or ``nn.ReLU``; instantiated without arguments.
    batch_norm : bool
        Batch norm after each convolution (``nn.Identity`` otherwise).
    """

    def __init__(self, channels: int, kernel_size: int, activation: type[nn.Module], batch_norm: bool) -> None:
        super().__init__()
        norm = (lambda: nn.BatchNorm1d(channels)) if batch_norm else nn.Identity
        pad = kernel_size // 2
        self.body = nn.Sequential(
            nn.Conv1d(channels, channels, kernel_size, padding=pad), norm(), activation(),
            nn.Conv1d(channels, channels, kernel_size, padding=pad), norm())
        self.act = activation()
        # Start as the identity (zero-initialised last scale; Goyal et al. 2017): the block
        # learns a correction, and the network trains as fast as a shallow one at first.
        nn.init.zeros_(self.body[-1].weight if batch_norm else self.body[-2].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Parameters
        ----------
        x : torch.Tensor, shape=(N, channels, length), float
            Activations.

        Returns
        -------
        torch.Tensor, same shape, dtype and device as ``x``.
        """
        return self.act(x + self.body(x))


class AITAC(nn.Module):
    """Compact AI-TAC-style multi-task CNN (after Sasse et al. 2024, Fig. 3).

    Layout: Conv1d(4 -> F, 19 bp) [BN] act, pool 5; ``n_blocks`` residual
    blocks (two width-7 convolutions each), the first followed by another
    pool 5; a global pool over the remaining positions (one value per
    channel, so the model is translation invariant and learns from a few
    thousand sequences); Linear -> ``hidden``, act, dropout, Linear -> T. The
    shallow CNN keeps the first convolution and goes straight to the global
    pool and the head. Residual blocks start as the identity; without batch
    norm, weights get He initialisation. Units of the first residual block
    see 83 bp, enough to read the spacing of two sites; the second block sees
    the whole 250 bp. Pooling is :class:`SoftmaxPool1d` or ``nn.MaxPool1d``;
    activations are ``nn.GELU`` or ``nn.ReLU``.

    Parameters
    ----------
    n_tasks : int
        Outputs T.
    length : int, optional
        Input length in bp, at least 50. Default 250.
    config : ~tism_tutorial.aitac.Config, optional
        Architecture switches (training fields are ignored here).

    Raises
    ------
    ValueError
        If ``n_tasks`` or ``length`` is not an integer, ``n_tasks < 1`` or ``length < 50``.
    """

    def __init__(self, n_tasks: int, length: int = 250, config: Config | None = None) -> None:
        super().__init__()
        n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
        length = check_int(length, "length", minimum=50)
        cfg = config or Config()
        self.config, self.n_tasks, self.length = cfg, n_tasks, length
        act = nn.GELU if cfg.activation == "gelu" else nn.ReLU
        F = cfg.n_filters

        def _pool(k: int) -> nn.Module:
            return SoftmaxPool1d(k, F) if cfg.pooling == "softmax" else nn.MaxPool1d(k)

        layers = [nn.Conv1d(4, F, cfg.kernel_size, padding=cfg.kernel_size // 2),
                  nn.BatchNorm1d(F) if cfg.batch_norm else nn.Identity(), act()]
        if not cfg.shallow:
            layers.append(_pool(5))
            for i in range(cfg.n_blocks):
                layers.append(ResidualBlock(F, 7, act, cfg.batch_norm))
                if i == 0:
                    layers.append(_pool(5))
        n_left = length if cfg.shallow else length // 5 // (5 if cfg.n_blocks else 1)
        layers.append(_pool(n_left))  # global pooling: one value per channel
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(F, cfg.hidden), act(), nn.Dropout(cfg.dropout),
                                  nn.Linear(cfg.hidden, n_tasks))
        if not cfg.batch_norm:
            # Without batch norm nothing rescales the activations: He initialisation keeps their
            # scale through the layers (PyTorch's default shrinks it and the model barely trains).
            for m in self.modules():
                if isinstance(m, (nn.Conv1d, nn.Linear)) and m.weight.abs().sum() > 0:
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                    nn.init.zeros_(m.bias)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Predict every task.

        Parameters
        ----------
        X : torch.Tensor, shape=(N, 4, length), float
            One-hot sequences, A, C, G, T, in the model's dtype and on its device.

        Returns
        -------
        torch.Tensor, shape=(N, n_tasks)
            Predictions in label units (no final activation), in the model's
            dtype and on its device.

        Raises
        ------
        ValueError
            If ``X`` is not of shape (N, 4, ``length``).
        """
        if X.ndim != 3 or X.shape[1] != 4 or X.shape[2] != self.length:
            raise ValueError(f"X must have shape (N, 4, {self.length}), got {tuple(X.shape)}")
        return self.head(self.body(X))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        Any PyTorch model.

    Returns
    -------
    int
        Total number of elements of the parameters with ``requires_grad``.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ----------------------------------------------------------------------------
# Losses and metrics
# ----------------------------------------------------------------------------

def loss_fn(pred: torch.Tensor, y: torch.Tensor, kind: str = "mse+corr") -> torch.Tensor:
    """Training loss: MSE, plus ``1 - Pearson`` across tasks per sequence for ``"mse+corr"``.

    The correlation term rewards getting each sequence's profile across the
    tasks (cell types) right, as the AI-TAC and TISM papers' combined loss does.

    Parameters
    ----------
    pred, y : torch.Tensor, shape=(B, T)
        Predictions (:class:`AITAC` outputs) and labels for B sequences and T
        tasks, in label units, same floating dtype and device.
    kind : str, optional
        ``"mse+corr"`` (default) or ``"mse"``.

    Returns
    -------
    torch.Tensor, scalar
        Differentiable; ``pred``'s dtype and device. The correlation term uses
        :func:`tism_tutorial.metrics.pearson` with ``eps=1e-8``.

    Raises
    ------
    ValueError
        If ``kind`` is unknown or the shapes differ.
    """
    if kind not in ("mse+corr", "mse"):
        raise ValueError(f"kind must be 'mse+corr' or 'mse', got {kind!r}")
    if pred.shape != y.shape:
        raise ValueError(f"pred and y must have the same shape, got {tuple(pred.shape)} and {tuple(y.shape)}")
    mse = (pred - y).square().mean()
    if kind == "mse":
        return mse
    return mse + (1 - pearson(pred, y, dim=1, eps=1e-8)).mean()


def predict(model: nn.Module, X: torch.Tensor | np.ndarray, batch_size: int = 256) -> torch.Tensor:
    """Model outputs for ``X`` in eval mode, batched with tangermeme's ``predict``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 4, L) to (N, T); its training mode is restored afterwards.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences, A, C, G, T.
    batch_size : int, optional
        Sequences per forward pass. Default 256.

    Returns
    -------
    torch.Tensor, shape=(N, T), float32, on the CPU
        The model's outputs (label units for :class:`AITAC`).

    Raises
    ------
    ValueError
        If ``X`` is not one-hot (N, 4, L) or ``batch_size`` is not a positive integer.
    """
    X = check_one_hot(X)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = tm_predict(model, X, batch_size=batch_size, device=device)
    finally:
        model.train(was_training)
    return out.float()


def performance(model: nn.Module, X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray) -> float:
    """Mean over tasks of the Pearson correlation between predictions and labels across sequences.

    The paper's test performance (Sasse et al. 2024, Fig. 3B, C), with
    :func:`tism_tutorial.metrics.pearson` (``eps=1e-8``) over the N
    sequences of each task; predictions come from :func:`predict`.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 4, L) to (N, T); its training mode is restored afterwards.
    X : torch.Tensor, shape=(N, 4, L)
        One-hot sequences, A, C, G, T.
    y : torch.Tensor or numpy.ndarray, shape=(N, T)
        Labels, any real dtype (compared in float32).

    Returns
    -------
    float
        In [-1, 1]. A task whose labels or predictions are constant
        contributes 0 (the ``eps`` in the denominator), not NaN.

    Raises
    ------
    ValueError
        If ``X`` is not one-hot or ``y`` is not (N, T) with N matching ``X``.
    """
    y = as_tensor(y, "y").float()
    X = check_one_hot(X)
    if y.ndim != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape (N, T) with N = {X.shape[0]}, got {tuple(y.shape)}")
    return float(pearson(predict(model, X), y, dim=0, eps=1e-8).mean())


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------

def _shift(X: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Roll each sequence by its own random offset in [-max_shift, max_shift]."""
    if max_shift == 0:
        return X
    n, _, length = X.shape
    s = torch.randint(-max_shift, max_shift + 1, (n,), generator=gen).to(X.device)
    idx = (torch.arange(length, device=X.device)[None] - s[:, None]) % length
    return X.gather(2, idx[:, None, :].expand(-1, 4, -1))


def train(config: Config, X_train: torch.Tensor | np.ndarray, y_train: torch.Tensor | np.ndarray,
          X_val: torch.Tensor | np.ndarray, y_val: torch.Tensor | np.ndarray, seed: int = 0,
          device: torch.device | str | None = None,
          on_epoch: Callable[[AITAC, int], dict[str, Any]] | None = None,
          progress: bool = True, desc: str = "training") -> tuple[AITAC, pd.DataFrame]:
    """Train an :class:`AITAC` with early stopping on validation correlation.

    Every epoch visits the training set once in a seeded random order (with
    random shifts if ``config.shift``); after it the validation correlation
    (:func:`performance`) is measured, and the weights of the best epoch are
    kept. Training stops after ``config.patience`` epochs without improvement
    or after ``config.epochs``.

    Parameters
    ----------
    config : ~tism_tutorial.aitac.Config
        Architecture and training settings.
    X_train, X_val : torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    y_train, y_val : torch.Tensor, shape=(N, T)
        Labels.
    seed : int, optional
        Seed of the initial weights, batch order, shifts and dropout. Default 0.
    device : torch.device or str, optional
        Default: CUDA when available, else the CPU.
    on_epoch : callable, optional
        ``on_epoch(model, epoch) -> dict`` called after every epoch with the
        model in eval mode; its values are added to that epoch's row.
    progress : bool, optional
        Show a tqdm progress bar over epochs. Default True.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    model : AITAC
        The weights of the best validation epoch, in eval mode, on ``device``.
    history : pandas.DataFrame
        One row per epoch: ``epoch`` (1-based), ``train_loss``, ``val_corr``,
        ``seconds``, ``best`` (True on the kept epoch), plus ``on_epoch``'s columns.

    Raises
    ------
    ValueError
        If the inputs are not one-hot, the labels hold NaN/inf, their shapes
        disagree, ``config`` is not a Config, or ``device`` is not a usable
        device (see :func:`tism_tutorial.validate.resolve_device`).
    RuntimeError
        If no epoch reached a finite validation correlation (training
        diverged; lower ``config.lr``).
    """
    if not isinstance(config, Config):
        raise ValueError(f"config must be a Config, got {type(config).__name__}")
    X_train, X_val = check_one_hot(X_train, "X_train"), check_one_hot(X_val, "X_val")
    y_train, y_val = as_tensor(y_train, "y_train").float(), as_tensor(y_val, "y_val").float()
    for name, X, y in (("y_train", X_train, y_train), ("y_val", X_val, y_val)):
        check_finite(y, name)
        if y.ndim != 2 or y.shape[0] != X.shape[0]:
            raise ValueError(f"{name} must have shape (N, T) with N = {X.shape[0]}, got {tuple(y.shape)}")
    if y_train.shape[1] != y_val.shape[1] or X_train.shape[2] != X_val.shape[2]:
        raise ValueError("training and validation data must have the same length L and number of tasks T")
    device = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = AITAC(y_train.shape[1], X_train.shape[2], config).to(device)
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=config.lr or 0.05, momentum=0.9,
                              weight_decay=config.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=config.lr or 3e-3, weight_decay=config.weight_decay or 0.01)
    Xd, yd = X_train.to(device), y_train.to(device)
    best, best_state, since, rows = -np.inf, None, 0, []
    bar = tqdm(range(1, config.epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(Xd), generator=gen).to(device)
        total = 0.0
        for i in range(0, len(order), config.batch_size):
            idx = order[i:i + config.batch_size]
            if len(idx) < 2:  # batch norm needs two samples
                continue
            xb = _shift(Xd[idx], config.shift, gen)
            loss = loss_fn(model(xb), yd[idx], config.loss)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        val = performance(model, X_val, y_val)
        row = {"epoch": epoch, "train_loss": total / len(Xd), "val_corr": val,
               "seconds": time.perf_counter() - t0}
        if on_epoch is not None:
            row.update(on_epoch(model, epoch))
        rows.append(row)
        bar.set_postfix(val_corr=f"{val:.3f}")
        if np.isfinite(val) and val > best:
            best, best_state, since = val, copy.deepcopy(model.state_dict()), 0
        else:
            since += 1
            if since >= config.patience:
                break
    bar.close()
    if best_state is None:
        raise RuntimeError(f"training diverged (validation correlation {val}): lower config.lr")
    model.load_state_dict(best_state)
    model.eval()
    history = pd.DataFrame(rows)
    history["best"] = history["val_corr"] == best
    return model, history

