"""Seqlets scored against known sites (tism_tutorial.seqlets) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tism_tutorial import seqlets as sq


def _sites(rows):
    return pd.DataFrame(rows, columns=["sequence", "start", "end"])


def _seqlets(rows):
    return pd.DataFrame(rows, columns=["sequence", "start", "end", "p_value"])


def test_precision_recall_hand_made():
    """Three seqlets ranked by p-value: a hit, a miss, then a second hit of the same site."""
    sites = _sites([(0, 10, 20), (1, 5, 12)])
    seqlets = _seqlets([(0, 18, 25, 1e-4),   # overlaps site 0 by 2 bp
                        (1, 12, 16, 1e-3),   # touches site 1's end: half-open, no overlap
                        (0, 0, 10, 1e-2),    # ends where site 0 starts: no overlap
                        (0, 12, 14, 1e-1)])  # inside site 0 again
    curve = sq.precision_recall(seqlets, sites)
    np.testing.assert_allclose(curve["precision"], [1, 1 / 2, 1 / 3, 2 / 4])
    np.testing.assert_allclose(curve["recall"], [0.5, 0.5, 0.5, 0.5])
    assert curve["n_seqlets"].tolist() == [1, 2, 3, 4]
    scores = sq.seqlet_scores(seqlets, sites)
    assert scores == {"n_seqlets": 4, "n_sites": 2, "precision": 0.5, "recall": 0.5}


def test_precision_recall_orders_by_p_value():
    """The table's order does not matter: the curve follows the p-values."""
    sites = _sites([(0, 10, 20), (1, 5, 12)])
    seqlets = _seqlets([(2, 0, 5, 0.5), (1, 4, 6, 0.2), (0, 15, 30, 0.1)])
    curve = sq.precision_recall(seqlets, sites)
    np.testing.assert_allclose(curve["p_value"], [0.1, 0.2, 0.5])
    np.testing.assert_allclose(curve["precision"], [1, 1, 2 / 3])
    np.testing.assert_allclose(curve["recall"], [0.5, 1, 1])


def test_no_seqlets_give_an_empty_curve():
    sites = _sites([(0, 10, 20)])
    assert sq.precision_recall(_seqlets([]), sites).empty
    s = sq.seqlet_scores(_seqlets([]), sites)
    assert s["n_seqlets"] == 0 and s["recall"] == 0 and np.isnan(s["precision"])


def test_chance_precision_extremes():
    """Seqlets as long as the sequence always hit a site there; a sequence without sites never."""
    sites = _sites([(0, 40, 50)])
    assert sq.chance_precision(_seqlets([(0, 0, 100, 0.1)]), sites, length=100) == 1.0
    assert sq.chance_precision(_seqlets([(1, 0, 10, 0.1)]), sites, length=100) == 0.0
    # a 10-bp seqlet overlaps a 10-bp site at 19 of 91 starts
    p = sq.chance_precision(_seqlets([(0, 0, 10, 0.1)]), sites, length=100, n_draws=2000)
    assert abs(p - 19 / 91) < 0.03


@pytest.mark.parametrize("bad, match", [
    (pd.DataFrame({"sequence": [0], "start": [3]}), "lacks column"),
    (_sites([(0, 5, 5)]), "empty, inverted"),
    (_sites([(0, -1, 5)]), "negative"),
    ([(0, 1, 2)], "DataFrame"),
])
def test_bad_interval_tables_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        sq.precision_recall(_seqlets([(0, 1, 4, 0.1)]), bad)
    with pytest.raises(ValueError, match=match):
        sq.chance_precision(_seqlets([(0, 1, 4, 0.1)]), bad, length=10)


def test_no_sites_and_long_seqlets_raise():
    with pytest.raises(ValueError, match="sites is empty"):
        sq.precision_recall(_seqlets([(0, 1, 4, 0.1)]), _sites([]))
    with pytest.raises(ValueError, match="beyond the sequence length"):
        sq.chance_precision(_seqlets([(0, 1, 40, 0.1)]), _sites([(0, 1, 3)]), length=20)
    with pytest.raises(ValueError, match="p_value"):
        sq.precision_recall(_sites([(0, 1, 4)]), _sites([(0, 1, 3)]))


def test_project_picks_the_observed_base(X):
    hyp = torch.randn(3, 2, 4, X.shape[-1], dtype=torch.float64)
    proj = sq.project(hyp, X)
    ref = X.argmax(dim=1)  # (N, L)
    expected = hyp.gather(2, ref[:, None, None, :].expand(-1, 2, 1, -1))[:, :, 0]
    torch.testing.assert_close(proj, expected)
    torch.testing.assert_close(sq.project(hyp[:, 0], X), expected[:, 0])


