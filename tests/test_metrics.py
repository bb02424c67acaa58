"""Unit tests of tism_tutorial.metrics: the paper's Pearson definition, the concordance table and summaries.

Hand-made tensors check that concordance is taken over the three alternative
bases only, and every public function for the errors it promises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tism_tutorial import gradient, ism, paper
from tism_tutorial.metrics import (
    alternatives,
    concordance_table,
    pearson,
    pearson_alt,
    pearson_rows,
    summarize,
    summarize_groups,
)


def decode(x: torch.Tensor) -> str:
    return "".join("ACGT"[i] for i in x.argmax(dim=0).tolist())


# ----------------------------------------------------------------------------
# Pearson over the alternative bases
# ----------------------------------------------------------------------------

def test_alternatives_drop_the_reference_base():
    """alternatives() keeps exactly the 3 W entries where X == 0, in (base, position) order."""
    X = torch.tensor([[[1, 0], [0, 1], [0, 0], [0, 0]]], dtype=torch.float64)  # "AC"
    values = torch.arange(8, dtype=torch.float64).reshape(1, 4, 2)  # rows A: 0 1, C: 2 3, G: 4 5, T: 6 7
    torch.testing.assert_close(alternatives(values, X), torch.tensor([[1.0, 2, 4, 5, 6, 7]], dtype=torch.float64))
    multi = torch.stack([values[0], -values[0]])[None]  # (1, T=2, 4, 2)
    assert alternatives(multi, X).shape == (1, 2, 6)


def test_pearson_alt_ignores_the_reference_base():
    """Values at the reference base, however large, do not change the concordance."""
    X = torch.tensor([[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]], dtype=torch.float64)  # "ACG"
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(1, 4, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(1, 4, 3, generator=gen, dtype=torch.float64)
    r = pearson_alt(a, b, X)
    expected = np.corrcoef(a[X == 0].numpy(), b[X == 0].numpy())[0, 1]
    assert r.shape == (1,)
    assert r[0] == pytest.approx(expected, abs=1e-12)
    a_ref = a + 1000.0 * X  # change only the reference entries
    assert pearson_alt(a_ref, b, X)[0] == pytest.approx(expected, abs=1e-12)
    # including the reference base would give another number
    assert np.corrcoef(a_ref.flatten().numpy(), b.flatten().numpy())[0, 1] != pytest.approx(expected, abs=1e-3)


def test_pearson_alt_per_sequence_and_target(one_hot):
    """(N, T, 4, W) maps give an (N, T) array; identical maps give 1, negated maps -1."""
    X = one_hot(3, 10, seed=2)
    a = torch.randn(3, 2, 4, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    r = pearson_alt(a, a, X)
    assert r.shape == (3, 2)
    np.testing.assert_allclose(r, 1.0, atol=1e-12)
    np.testing.assert_allclose(pearson_alt(a, -a, X), -1.0, atol=1e-12)
    np.testing.assert_allclose(pearson_alt(a, 3 * a + 2, X), 1.0, atol=1e-12)  # scale and offset free


def test_pearson_rows_constant_row_is_nan_and_values_are_clipped():
    a = torch.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]])
    b = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    r = pearson_rows(a, b)
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(1.0)
    assert (np.abs(r[1:]) <= 1).all()


@pytest.mark.parametrize("a, b, match", [
    (torch.zeros(2, 3), torch.zeros(2, 4), "same shape"),
    (torch.zeros(2, 1), torch.zeros(2, 1), "at least 2"),
    (torch.tensor([[1.0, float("nan")]]), torch.zeros(1, 2), "NaN"),
])
def test_pearson_rows_rejects_bad_input(a, b, match):
    with pytest.raises(ValueError, match=match):
        pearson_rows(a, b)


def test_pearson_alt_rejects_bad_input(one_hot):
    X = one_hot(2, 5)
    with pytest.raises(ValueError, match="same shape"):
        pearson_alt(torch.zeros(2, 4, 5), torch.zeros(2, 1, 4, 5), X)
    with pytest.raises(ValueError, match="does not match X"):
        pearson_alt(torch.zeros(2, 4, 6), torch.zeros(2, 4, 6), X)
    with pytest.raises(ValueError, match="one-hot"):
        pearson_alt(torch.zeros(2, 4, 5), torch.zeros(2, 4, 5), torch.full((2, 4, 5), 0.25))


def test_concordance_table_on_a_linear_model(linear_model, X):
    """For a model linear in X, TISM == ISM, so every TISM concordance is 1; the table is complete."""
    targets = [0, 3]
    start, end = 4, 20
    grad = gradient(linear_model, X, targets)[..., start:end]
    ism_values = ism(linear_model, X, targets, start=start, end=end)
    with torch.no_grad():
        y0 = linear_model(X)[:, targets]
    names = [f"t{i}" for i in range(5)]
    table = concordance_table(ism_values, grad, X[..., start:end], y0, targets, names)
    assert len(table) == X.shape[0] * len(targets)
    assert list(table["target"][:2]) == targets and list(table["name"][:2]) == ["t0", "t3"]
    np.testing.assert_allclose(table["r_tism"], 1.0, atol=1e-10)
    np.testing.assert_allclose(table["r_mean_tism"], 1.0, atol=1e-10)
    assert (table[["r_grad", "r_mean_gxi"]].abs() <= 1).all().all()
    np.testing.assert_allclose(table["logit"], y0.numpy().ravel())
    assert (table["ism_sd"] > 0).all()


def test_concordance_table_rejects_mismatched_shapes(X):
    Xw = X[..., :6]
    m = torch.zeros(X.shape[0], 2, 4, 6, dtype=torch.float64) + torch.arange(6.0)
    with pytest.raises(ValueError, match="y0"):
        concordance_table(m, m, Xw, torch.zeros(X.shape[0], 3), [0, 1])
    with pytest.raises(ValueError, match="targets"):
        concordance_table(m, m, Xw, torch.zeros(X.shape[0], 2), [0])
    with pytest.raises(ValueError, match=r"\(N, T, 4, W\)"):
        concordance_table(m, m[:, :1], Xw, torch.zeros(X.shape[0], 2), [0, 1])


def test_summarize_matches_numpy():
    r = np.array([0.1, 0.6, 0.7, 0.9])
    s = summarize(r)
    assert s == {"n": 4, "mean": pytest.approx(0.575), "median": pytest.approx(0.65), "frac_above": 0.75}
    # the default threshold is the paper's (Fig. 1A), read from the one place that stores it
    assert summarize(r, threshold=paper.CONCORDANCE["threshold"]) == s
    assert summarize(r, threshold=0.8)["frac_above"] == 0.25
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    with pytest.raises(ValueError, match="NaN"):
        summarize([0.5, float("nan")])




def test_pearson_matches_numpy_and_is_differentiable():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(3, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(3, 7, dtype=torch.float64, generator=gen)
    r = pearson(a, b)
    expected = [np.corrcoef(a[i].detach().numpy(), b[i].numpy())[0, 1] for i in range(3)]
    np.testing.assert_allclose(r.detach().numpy(), expected, rtol=1e-12)
    r.sum().backward()
    assert a.grad is not None and torch.isfinite(a.grad).all()
    assert torch.isnan(pearson(torch.ones(1, 4), torch.arange(4.0)[None]))[0]
    assert pearson(torch.ones(1, 4), torch.arange(4.0)[None], eps=1e-8)[0] == 0


def test_summarize_groups_keeps_group_order_and_ignores_nan():
    rows = pd.DataFrame({"g": ["b", "b", "a", "a", "a"], "pearson": [0.2, 0.4, 0.1, float("nan"), 0.3]})
    out = summarize_groups(rows, "g")
    assert list(out.index) == ["b", "a"]
    assert out.loc["b", "mean"] == pytest.approx(0.3) and out.loc["a", "n"] == 2
    with pytest.raises(ValueError, match="columns"):
        summarize_groups(rows, "missing")
