"""The simulated grammar: seeded, planted sites where the table says, labels that follow the rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tism_tutorial import simulate as sim


@pytest.fixture(scope="module")
def grammar():
    """The chapter's grammar, with JASPAR 2024 matrices read offline through pyjaspar."""
    return sim.make_grammar(n_tasks=10, seed=0)


@pytest.fixture(scope="module")
def data(grammar):
    return sim.simulate(300, grammar, seed=1)


def _decode(x: torch.Tensor) -> str:
    return "".join("ACGT"[i] for i in x.argmax(0).tolist())


def test_grammar_shapes_and_jaspar(grammar):
    """Ten tasks, every factor's matrix is a (4, w) probability matrix of the JASPAR width."""
    assert grammar.n_tasks == 10
    assert set(grammar.pwms) == set(sim.MOTIFS)
    assert grammar.pwms["CTCF"].shape == (4, 15)  # MA0139.2
    assert grammar.pwms["AP-1"].shape == (4, 9)  # MA0099.4
    for p in grammar.pwms.values():
        assert torch.allclose(p.sum(0), torch.ones(p.shape[1], dtype=p.dtype))
    assert grammar.additive.shape == (10, len(sim.ADDITIVE))
    assert ((grammar.additive != 0).sum(1) == 3).all()
    assert (grammar.cooperative[:4] > 0).all() and (grammar.cooperative[4:] == 0).all()
    assert (grammar.spaced[4:8] > 0).all() and (grammar.spaced[:4] == 0).all() and (grammar.spaced[8:] == 0).all()


def test_shapes_and_dtypes(data, grammar):
    assert data.X.shape == (300, 4, sim.LENGTH) and data.X.dtype == torch.float32
    assert (data.X.sum(1) == 1).all()
    assert data.y.shape == (300, grammar.n_tasks) and data.y.dtype == torch.float32
    assert data.causal.shape == (len(data.sites), grammar.n_tasks) and data.causal.dtype == bool
    assert data.truth().shape == (300, grammar.n_tasks, sim.LENGTH)
    assert set(np.unique(data.regime())) <= {"none", "additive", "interaction"}


def test_seeded_reproducibility(grammar):
    a = sim.simulate(50, grammar, seed=7)
    b = sim.simulate(50, grammar, seed=7)
    c = sim.simulate(50, grammar, seed=8)
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert a.sites.equals(b.sites)
    assert not torch.equal(a.X, c.X)
    g1, g2 = (sim.make_grammar(seed=3, pwms=grammar.pwms) for _ in range(2))
    assert g1.table().equals(g2.table())


def test_planted_sites_hold_the_sampled_motif(data, grammar):
    """Each site's bases are in X at its position, and every base is possible under its matrix (on its strand)."""
    for row in data.sites.itertuples():
        x = data.X[row.sequence, :, row.start:row.end]
        assert _decode(x) == row.site
        pwm = grammar.pwms[row.motif]
        oriented = pwm if row.strand == "+" else pwm.flip(dims=(0, 1))  # reverse complement
        assert row.end - row.start == pwm.shape[1]
        assert (oriented * x.double()).sum(0).min() > 0, (row.motif, row.strand, row.site)


def test_sites_do_not_overlap_and_fit(data):
    for _, part in data.sites.groupby("sequence"):
        spans = sorted(zip(part.start, part.end))
        assert spans[0][0] >= 0 and spans[-1][1] <= sim.LENGTH
        assert all(b0 >= a1 for (_, a1), (b0, _) in zip(spans, spans[1:]))


def test_labels_follow_the_grammar(data, grammar):
    """Additive part = presence x weights; interaction terms only for complete (and close) pairs; noise as set."""
    n, T = data.y.shape
    present = np.zeros((n, len(sim.ADDITIVE)))
    for row in data.sites.query("role == 'additive'").itertuples():
        present[row.sequence, sim.ADDITIVE.index(row.motif)] = 1
    np.testing.assert_allclose(data.y_additive, present @ grammar.additive.T)
    for i in range(n):
        s = data.sites[data.sites.sequence == i]
        coop = set(sim.COOPERATIVE) <= set(s.motif)
        close = False
        if set(sim.SPACED) <= set(s.motif):
            (a0, a1), (b0, b1) = sorted(zip(s[s.role == "spaced"].start, s[s.role == "spaced"].end))
            close = b0 - a1 <= grammar.max_gap
        np.testing.assert_allclose(data.y_interaction[i], coop * grammar.cooperative + close * grammar.spaced)
    resid = data.y.numpy() - data.y_additive - data.y_interaction
    assert abs(resid.std() - grammar.noise) < 0.05
    # both kinds of spaced pair occur
    assert (data.y_interaction[:, 4:8] > 0).any()


def test_causal_sites(data, grammar):
    for row, causal in zip(data.sites.itertuples(), data.causal):
        if row.role == "additive":
            np.testing.assert_array_equal(causal, grammar.additive[:, sim.ADDITIVE.index(row.motif)] != 0)
        elif row.role == "cooperative":
            both = set(sim.COOPERATIVE) <= set(data.sites[data.sites.sequence == row.sequence].motif)
            np.testing.assert_array_equal(causal, both & (grammar.cooperative != 0))
    truth = data.truth()
    row, causal = next((r, c) for r, c in zip(data.sites.itertuples(), data.causal) if c.any())
    t = int(np.flatnonzero(causal)[0])
    assert truth[row.sequence, t, row.start:row.end].all()


def test_subset_renumbers_sites(data):
    sub = data.subset([5, 2])
    assert torch.equal(sub.X[0], data.X[5]) and torch.equal(sub.X[1], data.X[2])
    for row in sub.sites.itertuples():
        assert _decode(sub.X[row.sequence, :, row.start:row.end]) == row.site
    assert sub.causal.shape == (len(sub.sites), data.y.shape[1])
    with pytest.raises(ValueError, match="index"):
        data.subset([len(data)])


@pytest.mark.parametrize("kwargs, name", [
    ({"n": 0}, "n"), ({"length": 100}, "length"), ({"p_pair": 1.5}, "p_pair"), ({"p_single": -0.1}, "p_single"),
    ({"p_pair": 0.7, "p_single": 0.5}, "p_pair"), ({"max_additive": 7}, "max_additive"),
])
def test_bad_arguments_raise(grammar, kwargs, name):
    args = {"n": 5, "grammar": grammar, **kwargs}
    with pytest.raises(ValueError, match=name):
        sim.simulate(**args)


def test_bad_grammar_arguments_raise(grammar):
    with pytest.raises(ValueError, match="grammar"):
        sim.simulate(5, grammar="not a grammar")
    with pytest.raises(ValueError, match="n_tasks"):
        sim.make_grammar(n_tasks=2, pwms=grammar.pwms)
    with pytest.raises(ValueError, match="n_active"):
        sim.make_grammar(n_active=0, pwms=grammar.pwms)
    with pytest.raises(ValueError, match="noise"):
        sim.make_grammar(noise=-1.0, pwms=grammar.pwms)
    with pytest.raises(ValueError, match="pwms"):
        sim.make_grammar(pwms={"CTCF": grammar.pwms["CTCF"]})
