"""Unit tests of tism_tutorial.marginalize: Eq. M1's identities, exact marginalization, input checks.

Checked in float64 on the small models of conftest.py, where the identities
hold to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tangermeme.marginalize import marginalize

from tism_tutorial import gradient, tism
from tism_tutorial.marginalize import (
    exact_marginalize,
    motif_one_hot,
    motif_panel,
    pair_interaction,
    taylor_marginalize,
    taylor_marginalize_loop,
    taylor_vs_exact,
)
from tism_tutorial.metrics import agreement

ATOL = 1e-10


def random_motifs(k: int, n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=k)) for _ in range(n)]


# ----------------------------------------------------------------------------
# 1. Identities
# ----------------------------------------------------------------------------

def test_k1_equals_tism(conv_model, X):
    """A one-base motif's Taylor effect is TISM (Eq. 3) of that base at every position."""
    g = gradient(conv_model, X, 2)
    t = tism(g, X)
    delta = taylor_marginalize(g, X, list("ACGT"))  # (N, 4 motifs, L)
    torch.testing.assert_close(delta, t, atol=ATOL, rtol=0)


@pytest.mark.parametrize("k", [1, 2, 5, 11, 24])
def test_linear_model_taylor_equals_exact_for_every_k(linear_model, X, k):
    """For a model linear in X the first-order effect is exact for every motif length."""
    motifs = random_motifs(k, 3, seed=k)
    positions = list(range(0, X.shape[-1] - k + 1))
    g = gradient(linear_model, X, [0, 3])
    approx = taylor_marginalize(g, X, motifs)[..., positions]
    exact = exact_marginalize(linear_model, X, motifs, positions, [0, 3])
    assert approx.shape == exact.shape == (X.shape[0], 2, 3, len(positions))
    torch.testing.assert_close(approx, exact, atol=ATOL, rtol=0)
    assert exact.abs().max() > 1e-3


def test_vectorized_equals_loop(conv_model, X):
    """The conv1d version (mixed lengths, batched) equals the plain loop over columns."""
    motifs = random_motifs(3, 2, seed=1) + random_motifs(7, 2, seed=2) + ["A"]
    g = gradient(conv_model, X, 1)
    delta = taylor_marginalize(g, X, motifs, batch_size=2)
    for m, motif in enumerate(motifs):
        k = len(motif)
        for p in range(X.shape[-1] - k + 1):
            torch.testing.assert_close(delta[:, m, p], taylor_marginalize_loop(g, X, motif, p), atol=ATOL, rtol=0)
        assert torch.isnan(delta[:, m, X.shape[-1] - k + 1:]).all()


def test_multi_target_matches_single_targets(conv_model, X):
    g = gradient(conv_model, X, [0, 4])
    multi = taylor_marginalize(g, X, ["ACG", "TT"])
    for i, t in enumerate([0, 4]):
        single = taylor_marginalize(gradient(conv_model, X, t), X, ["ACG", "TT"])
        torch.testing.assert_close(multi[:, i], single, atol=ATOL, rtol=0, equal_nan=True)


def test_string_and_one_hot_motifs_agree(conv_model, X):
    g = gradient(conv_model, X, 0)
    M = motif_one_hot("GATTACA")
    assert M.shape == (4, 7) and M.dtype == torch.float64
    torch.testing.assert_close(taylor_marginalize(g, X, "gattaca"), taylor_marginalize(g, X, M),
                               equal_nan=True)


def test_exact_matches_tangermeme_marginalize(conv_model, X):
    """exact_marginalize is tangermeme's marginalize looped over motifs and starts."""
    motifs, positions = ["ACGTA", "TTG"], [0, 7, 19]
    ours = exact_marginalize(conv_model, X, motifs, positions, 3, batch_size=4)
    for m, motif in enumerate(motifs):
        for j, p in enumerate(positions):
            before, after = marginalize(conv_model, X, motif, start=p, device="cpu")
            torch.testing.assert_close(ours[:, m, j], (after - before)[:, 3], atol=ATOL, rtol=0)


def test_taylor_differs_from_exact_for_nonlinear_model(conv_model, X):
    """A guard against a trivially passing comparison: for a ReLU model long motifs are not exact."""
    motifs = random_motifs(10, 3)
    exact = exact_marginalize(conv_model, X, motifs, [5], 0)
    approx = taylor_marginalize(gradient(conv_model, X, 0), X, motifs)[..., [5]]
    assert (exact - approx).abs().max() > 1e-6


def test_pair_interaction_zero_for_linear_model(linear_model, conv_model, X):
    lin = pair_interaction(linear_model, X, "ACGT", 2, "GGC", 15, 1)
    assert np.allclose(lin.interaction, 0, atol=ATOL)
    np.testing.assert_allclose(lin.delta_ab, lin.delta_a + lin.delta_b, atol=ATOL)
    conv = pair_interaction(conv_model, X, "ACGTACG", 2, "GGCTTA", 12, 1)
    assert len(conv) == X.shape[0] and np.isfinite(conv.to_numpy()).all()


def test_taylor_vs_exact_rows(linear_model, conv_model, X):
    """The long table holds every (k, motif, background, position); exact == Taylor for a linear model."""
    panels = {k: motif_panel(k, 2, random_state=k) for k in (1, 3, 6)}
    g = gradient(linear_model, X, 2)
    rows = taylor_vs_exact(linear_model, X, g, panels, [0, 9, 18], 2, verbose=False)
    assert len(rows) == 3 * 2 * X.shape[0] * 3
    np.testing.assert_allclose(rows.taylor, rows.exact, atol=ATOL)
    assert (rows.dist2 % 2 == 0).all() and (rows.dist2 <= 2 * rows.k).all()
    # dist2 counts changed bases: a motif equal to the background's own window changes nothing
    own = "".join("ACGT"[i] for i in X[0, :, 4:8].argmax(0).tolist())
    rows = taylor_vs_exact(conv_model, X, gradient(conv_model, X, 0),
                           {4: motif_panel(4, 1).assign(motif=[own])}, [4], 0, verbose=False)
    assert rows.dist2.iloc[0] == 0 and rows.exact.iloc[0] == pytest.approx(0, abs=ATOL)


def test_motif_panel_kinds():
    import pandas as pd
    jaspar = pd.DataFrame({"matrix_id": ["X1"], "name": ["toy"], "consensus": ["AACGTT"], "width": [6],
                           "pwm": [np.eye(4)[[0, 0, 1, 2, 3, 3]].T * 0.97 + 0.0075]})
    panel = motif_panel(4, 3, jaspar, random_state=0)
    assert list(panel.kind) == ["random"] * 3 + ["JASPAR"]
    assert panel.motif.str.len().eq(4).all() and panel.motif.iloc[-1] in "AACGTT"
    assert panel.source.iloc[-1] == "X1 toy"  # the matrix's name, not the row's index label
    with pytest.raises(ValueError, match="k must be"):
        motif_panel(0, 3)


def test_agreement_values():
    exact = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    r = agreement(exact / 2, exact)
    assert r["pearson"] == pytest.approx(1.0) and r["slope"] == pytest.approx(0.5)
    assert r["rel_error"] == pytest.approx(0.5) and r["n"] == 4
    r = agreement(exact, exact)
    assert r["rel_error"] == 0 and r["slope"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------
# 2. Bad input
# ----------------------------------------------------------------------------

def test_motif_longer_than_sequence_raises(conv_model, X):
    g = gradient(conv_model, X, 0)
    with pytest.raises(ValueError, match="longer than the sequence"):
        taylor_marginalize(g, X, "A" * (X.shape[-1] + 1))
    with pytest.raises(ValueError, match="longer than the sequence"):
        exact_marginalize(conv_model, X, "A" * (X.shape[-1] + 1), 0, 0)


def test_window_off_the_end_raises(conv_model, X):
    L = X.shape[-1]
    with pytest.raises(ValueError, match="positions=.*runs off the end"):
        exact_marginalize(conv_model, X, "ACGT", [0, L - 3], 0)
    with pytest.raises(ValueError, match="position=.*runs off the end"):
        taylor_marginalize_loop(gradient(conv_model, X, 0), X, "ACGT", L - 3)
    with pytest.raises(ValueError, match="start_b=.*runs off the end"):
        pair_interaction(conv_model, X, "AC", 0, "GGG", L - 2, 0)
    with pytest.raises(ValueError, match="positions must be a non-negative integer"):
        exact_marginalize(conv_model, X, "ACGT", [-1], 0)
    with pytest.raises(ValueError, match="positions must be an integer"):
        exact_marginalize(conv_model, X, "ACGT", [1.0], 0)


@pytest.mark.parametrize("bad", ["ACGN", "ACXT", "AC-T", ""])
def test_motif_string_outside_acgt_raises(bad):
    with pytest.raises(ValueError, match="motif"):
        motif_one_hot(bad)


def test_bad_motif_names_its_index(conv_model, X):
    g = gradient(conv_model, X, 0)
    with pytest.raises(ValueError, match=r"motifs\[1\] 'AZ'"):
        taylor_marginalize(g, X, ["AC", "AZ"])


@pytest.mark.parametrize("bad", [
    torch.full((4, 3), 0.25),                              # a PWM, not one-hot
    torch.tensor([[1., 0.], [1., 0.], [0., 1.], [0., 0.]]),  # two bases set
    torch.zeros(4, 3),                                      # no base set
    torch.ones(3, 5),                                       # wrong number of rows
    torch.tensor([[2., 0.], [0., 1.], [0., 0.], [0., 0.]]),  # not 0/1
])
def test_non_one_hot_motif_matrix_raises(bad):
    with pytest.raises(ValueError, match="motif"):
        motif_one_hot(bad)


def test_other_bad_inputs(conv_model, X):
    g = gradient(conv_model, X, 0)
    with pytest.raises(ValueError, match="grad"):
        taylor_marginalize(g[:, :, :-1], X, "AC")
    with pytest.raises(ValueError, match="motifs"):
        taylor_marginalize(g, X, [])
    with pytest.raises(ValueError, match="batch_size"):
        taylor_marginalize(g, X, "AC", batch_size=0)
    with pytest.raises(ValueError, match="target"):
        exact_marginalize(conv_model, X, "AC", [0], 99)
    with pytest.raises(ValueError, match="overlap"):
        pair_interaction(conv_model, X, "ACGT", 0, "GG", 3, 0)
    with pytest.raises(ValueError, match="same number"):
        agreement([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="not one-hot"):
        taylor_marginalize(g, X * 2, "AC")
    with pytest.raises(ValueError, match="length is not 3"):
        taylor_vs_exact(conv_model, X, g, {3: motif_panel(4, 2)}, [0], 0, verbose=False)
    with pytest.raises(ValueError, match="one target"):
        taylor_vs_exact(conv_model, X, gradient(conv_model, X, [0, 1]), {3: motif_panel(3, 2)}, [0], 0)
