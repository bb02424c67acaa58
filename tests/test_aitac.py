"""The AI-TAC-style model, its ablation switches, losses and training loop, and the robustness helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tism_tutorial import aitac, paper
from tism_tutorial import robustness as rb

L = 250
T = 4


def _one_hot(n: int, length: int = L, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=gen)
    return nn.functional.one_hot(idx, 4).transpose(1, 2).float()


def _modules(model, kind):
    return [m for m in model.modules() if isinstance(m, kind)]


@pytest.mark.parametrize("name", list(aitac.ABLATIONS))
def test_every_ablation_builds_and_predicts(name):
    cfg = aitac.ablation(name, aitac.Config(n_filters=8, hidden=16))
    model = aitac.AITAC(T, L, cfg).eval()
    out = model(_one_hot(3))
    assert out.shape == (3, T) and torch.isfinite(out).all()


def test_ablation_switches_change_the_architecture():
    """Each architectural ablation changes what it claims to, and only that."""
    small = aitac.Config(n_filters=8, hidden=16)
    full = aitac.AITAC(T, L, small)
    assert _modules(full, nn.GELU) and not _modules(full, nn.ReLU)
    assert _modules(full, aitac.SoftmaxPool1d) and not _modules(full, nn.MaxPool1d)
    assert len(_modules(full, nn.BatchNorm1d)) == 1 + 2 * small.n_blocks
    assert len(_modules(full, nn.Conv1d)) == 1 + 2 * small.n_blocks
    assert _modules(full, nn.Conv1d)[0].kernel_size == (19,)

    relu = aitac.AITAC(T, L, aitac.ablation("ReLU", small))
    assert _modules(relu, nn.ReLU) and not _modules(relu, nn.GELU)
    maxpool = aitac.AITAC(T, L, aitac.ablation("max-pooling", small))
    assert _modules(maxpool, nn.MaxPool1d) and not _modules(maxpool, aitac.SoftmaxPool1d)
    no_bn = aitac.AITAC(T, L, aitac.ablation("no batch norm", small))
    assert not _modules(no_bn, nn.BatchNorm1d)
    shallow = aitac.AITAC(T, L, aitac.ablation("shallow CNN", small))
    assert len(_modules(shallow, nn.Conv1d)) == 1
    assert aitac.count_parameters(shallow) < aitac.count_parameters(full)
    # training-only switches leave the architecture alone
    for name, field, value in [("AdamW", "optimizer", "adamw"), ("MSE loss", "loss", "mse"),
                               ("no shift augmentation", "shift", 0)]:
        cfg = aitac.ablation(name, small)
        assert getattr(cfg, field) == value
        assert aitac.count_parameters(aitac.AITAC(T, L, cfg)) == aitac.count_parameters(full)
    assert set(aitac.ABLATIONS) == set(paper.ABLATIONS)


def test_softmax_pool_between_mean_and_max():
    x = torch.randn(2, 3, 20)
    pool = aitac.SoftmaxPool1d(5, 3)
    with torch.no_grad():
        pool.beta.zero_()
        torch.testing.assert_close(pool(x), nn.functional.avg_pool1d(x, 5))
        pool.beta.fill_(1e4)
        torch.testing.assert_close(pool(x), nn.functional.max_pool1d(x, 5), atol=1e-4, rtol=0)
    assert pool(torch.randn(2, 3, 23)).shape == (2, 3, 4)  # the remainder is dropped, as in MaxPool1d


@pytest.mark.parametrize("kwargs, name", [
    ({"activation": "tanh"}, "activation"), ({"pooling": "mean"}, "pooling"), ({"optimizer": "adam"}, "optimizer"),
    ({"loss": "l1"}, "loss"), ({"n_filters": 0}, "n_filters"), ({"kernel_size": 18}, "kernel_size"),
    ({"dropout": 1.0}, "dropout"), ({"lr": -1.0}, "lr"), ({"shift": -1}, "shift"), ({"epochs": 0}, "epochs"),
    ({"clip": 0.0}, "clip"), ({"n_blocks": -1}, "n_blocks"),
])
def test_bad_config_raises_naming_the_field(kwargs, name):
    with pytest.raises(ValueError, match=name):
        aitac.Config(**kwargs)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="name"):
        aitac.ablation("dropout")
    with pytest.raises(ValueError, match="n_tasks"):
        aitac.AITAC(0)
    with pytest.raises(ValueError, match="length"):
        aitac.AITAC(3, length=10)
    with pytest.raises(ValueError, match="X"):
        aitac.AITAC(3, L)(torch.zeros(2, 4, 100))
    with pytest.raises(ValueError, match="kind"):
        aitac.loss_fn(torch.zeros(2, 3), torch.zeros(2, 3), "l1")
    X = _one_hot(4)
    with pytest.raises(ValueError, match="y_train"):
        aitac.train(aitac.Config(epochs=1), X, torch.zeros(3, T), X, torch.zeros(4, T), progress=False)
    with pytest.raises(ValueError, match="config"):
        aitac.train({"epochs": 1}, X, torch.zeros(4, T), X, torch.zeros(4, T), progress=False)


def test_losses():
    y = torch.randn(8, T)
    assert aitac.loss_fn(y, y, "mse") == 0
    assert aitac.loss_fn(y, y, "mse+corr").abs() < 1e-6
    pred = y + 1.0  # same profile shape: only the MSE part is left
    torch.testing.assert_close(aitac.loss_fn(pred, y, "mse+corr"), torch.tensor(1.0), atol=1e-5, rtol=0)
    assert aitac.loss_fn(-y, y, "mse+corr") > aitac.loss_fn(-y, y, "mse")


@pytest.fixture(scope="module")
def tiny():
    """64 training and 32 validation sequences whose label is the GC content of each of 4 regions."""
    X = _one_hot(96, seed=3)
    gc = X[:, 1:3].sum(1)  # (N, L)
    y = torch.stack([gc[:, i * 60:(i + 1) * 60].mean(1) for i in range(T)], 1) * 4
    return X[:64], y[:64], X[64:], y[64:]


def test_one_epoch_training_runs_and_is_seeded(tiny):
    cfg = aitac.Config(n_filters=8, hidden=16, epochs=1, batch_size=16)
    m1, h1 = aitac.train(cfg, *tiny, seed=0, device="cpu", progress=False)
    m2, _ = aitac.train(cfg, *tiny, seed=0, device="cpu", progress=False)
    assert not m1.training
    assert list(h1.columns[:4]) == ["epoch", "train_loss", "val_corr", "seconds"]
    assert len(h1) == 1 and h1.best.all() and np.isfinite(h1.train_loss).all()
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert -1 <= aitac.performance(m1, tiny[2], tiny[3]) <= 1


def test_early_stopping_and_callback(tiny):
    cfg = aitac.Config(n_filters=8, hidden=16, epochs=4, patience=1, batch_size=16, optimizer="adamw", shift=0)
    calls = []
    model, hist = aitac.train(cfg, *tiny, seed=1, device="cpu", progress=False,
                              on_epoch=lambda m, e: calls.append(e) or {"extra": float(e)})
    assert calls == list(hist.epoch) and "extra" in hist
    assert hist.best.sum() == 1
    best = hist.loc[hist.best, "val_corr"].iloc[0]
    assert best == hist.val_corr.max()
    assert abs(aitac.performance(model, tiny[2], tiny[3]) - best) < 1e-5  # the best epoch's weights are kept


def test_shift_augmentation_rolls_each_sequence():
    X = _one_hot(5, length=30)
    out = aitac._shift(X, 3, torch.Generator().manual_seed(0))
    assert out.shape == X.shape and (out.sum(1) == 1).all()
    for x, o in zip(X, out):
        assert any(torch.equal(torch.roll(x, s, dims=-1), o) for s in range(-3, 4))
    assert aitac._shift(X, 0, torch.Generator()) is X


# ----------------------------------------------------------------------------
# robustness helpers on a small trained-free model
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return aitac.AITAC(T, L, aitac.Config(n_filters=8, hidden=16)).eval()


def test_attribution_maps_and_concordance(small_model):
    X = _one_hot(2, seed=5)
    maps = rb.attribution_maps(small_model, X)
    for key in ("grad", "tism", "ism"):
        assert maps[key].shape == (2, T, 4, L)
    assert (maps["ism"] * X[:, None]).abs().max() == 0  # ISM is zero at the reference base
    rows = rb.concordance_rows(maps, X)
    assert len(rows) == 2 * T and np.isfinite(rows.pearson).all()
    assert (rows.pearson > 0).all()
    seeds = rb.seed_rows({0: maps, 1: maps}, X)
    same = seeds[seeds.comparison == "ISM vs ISM (two seeds)"].pearson
    np.testing.assert_allclose(same, 1.0, atol=1e-6)  # a model agrees with itself
    with pytest.raises(ValueError, match="two seeds"):
        rb.seed_rows({0: maps}, X)


def test_deep_lift_shap_converges_on_the_model(small_model):
    """Every non-linear step of AITAC has a DeepLIFT rule in tangermeme (softmax pooling included)."""
    import tism_tutorial as tt

    X = _one_hot(2, seed=6)
    _, deltas = tt.deep_lift_shap(small_model, X, [0, 1], n_shuffles=4, return_deltas=True)
    assert deltas.max() < 1e-3


def test_ground_truth_auc_and_regime_test():
    truth = np.zeros((2, 1, 10), dtype=bool)
    truth[:, 0, 2:4] = True
    perfect = truth.astype(float)
    auc = rb.ground_truth_auc({"perfect": perfect, "inverted": -perfect}, truth)
    assert (auc.query("method == 'perfect'").auroc == 1).all()
    assert (auc.query("method == 'inverted'").auroc == 0).all()
    np.testing.assert_allclose(auc.prevalence, 0.2)
    with pytest.raises(ValueError, match="shape"):
        rb.ground_truth_auc({"bad": perfect[:, :, :5]}, truth)

    import pandas as pd
    conc = pd.DataFrame({"sequence": np.repeat(np.arange(6), 2), "task": np.tile([0, 1], 6),
                         "pearson": np.linspace(0.1, 0.9, 12), "ism_sd": np.linspace(1, 2, 12)})
    regime = np.array([["additive", "interaction"]] * 6, dtype=object)
    table = rb.regime_test(conc, regime, n_strata=2)
    assert list(table.stratum) == ["all", "effect size 1/2", "effect size 2/2"]
    assert table.n_additive.iloc[0] == 6 and table.n_interaction.iloc[0] == 6
    with pytest.raises(ValueError, match="n_strata"):
        rb.regime_test(conc, regime, n_strata=0)


@pytest.mark.parametrize("tasks", [[0.5], [T], ["a"]])
def test_attribution_maps_refuses_tasks_that_are_not_valid_indices(small_model, tasks):
    """Float, out-of-range or non-integer tasks raise instead of being truncated."""
    with pytest.raises(ValueError, match="tasks"):
        rb.attribution_maps(small_model, _one_hot(1, seed=2), tasks=tasks)
