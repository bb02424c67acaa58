"""Seqlets, TF-MoDISco and TOMTOM glue (tism_tutorial.motifs) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tism_tutorial import motifs, sequences
from tism_tutorial import seqlets as sq


def random_one_hot(n: int, length: int, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    """Random one-hot DNA of shape (n, 4, length)."""
    idx = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.one_hot(idx, 4).transpose(1, 2).to(dtype)


def _sites(rows):
    return pd.DataFrame(rows, columns=["sequence", "start", "end"])


def _seqlets(rows):
    return pd.DataFrame(rows, columns=["sequence", "start", "end", "p_value"])


# ----------------------------------------------------------------------------
# precision and recall of known sites
# ----------------------------------------------------------------------------

# ----------------------------------------------------------------------------
# projection and seqlet calling
# ----------------------------------------------------------------------------

def test_enable_numba_cache_is_idempotent():
    """The first call turns caching on for the uncached kernels; a second call finds none left."""
    motifs.enable_numba_cache()
    assert motifs.enable_numba_cache() == 0


def test_call_seqlets_finds_a_planted_bump_and_checks_input():
    motifs.enable_numba_cache()  # compiled kernels come from numba's cache after the first run
    X = random_one_hot(6, 200, seed=3, dtype=torch.float32)
    rng = np.random.default_rng(0)
    hyp = torch.from_numpy(rng.normal(0, 0.05, (6, 4, 200))).float()
    hyp[:, :, 100:110] += 2.0  # every base high at 100-109: its projection is high too
    s = sq.call_seqlets(hyp, X, threshold=0.01)
    assert list(s.columns) == ["sequence", "start", "end", "attribution", "p_value"]
    sc = sq.seqlet_scores(s, _sites([(i, 100, 110) for i in range(6)]))
    assert sc["recall"] == 1.0 and sc["precision"] >= 0.8
    with pytest.raises(ValueError, match="one task"):
        sq.call_seqlets(hyp[:, None], X)
    with pytest.raises(ValueError, match="threshold"):
        sq.call_seqlets(hyp, X, threshold=0)
    with pytest.raises(ValueError, match="one-hot"):
        sq.call_seqlets(hyp, X * 2)
    with pytest.raises(ValueError, match="does not match"):
        sq.call_seqlets(hyp[:, :, :50], X)


def test_hypothetical_variants_check_tasks(conv_model, X):
    with pytest.raises(ValueError, match="tasks"):
        motifs.hypothetical_variants(conv_model, X, [])
    with pytest.raises(ValueError, match="tasks"):
        motifs.hypothetical_variants(conv_model, X, 2)
    with pytest.raises(ValueError, match="n_shuffles"):
        motifs.hypothetical_variants(conv_model, X, [0], n_shuffles=0)


def test_hypothetical_variants_shapes_and_identities(conv_model, X):
    maps, seconds = motifs.hypothetical_variants(conv_model, X, [0, 3], n_shuffles=2)
    assert list(maps) == list(motifs.VARIANTS) == list(seconds)
    for m in maps.values():
        assert m.shape == (3, 2, 4, X.shape[-1])
    # TISM and ISM are centered over the bases; TISM is the centered gradient
    torch.testing.assert_close(maps["TISM"].sum(dim=2), torch.zeros(3, 2, X.shape[-1], dtype=torch.float64))
    torch.testing.assert_close(maps["ISM"].sum(dim=2), torch.zeros(3, 2, X.shape[-1], dtype=torch.float64),
                               atol=1e-10, rtol=0)
    torch.testing.assert_close(maps["TISM"], maps["gradient×input"] - maps["gradient×input"].mean(2, keepdim=True))
    assert all(s >= 0 for s in seconds.values())


# ----------------------------------------------------------------------------
# patterns and matches
# ----------------------------------------------------------------------------

def _pattern(name, ppm):
    ppm = np.asarray(ppm, dtype=float)
    return motifs.Pattern(name, 30, ppm, ppm, ppm)


def test_pattern_trimming_and_consensus():
    flank = np.full((4, 3), 0.01)
    core = np.eye(4)[:, [0, 1, 2, 3, 0]]  # ACGTA
    p = motifs.Pattern("pos_0", 12, np.full((4, 11), 0.25), np.concatenate([flank, core, flank], axis=1),
                       np.zeros((4, 11)))
    p.ppm[:, 3:8] = core
    t = p.trimmed()
    assert t.cwm.shape == (4, 5) and t.consensus == p.consensus == "ACGTA"


def test_match_patterns_checks_input():
    db = {"MA0001.1 X": np.full((4, 6), 0.25)}
    with pytest.raises(ValueError, match="not in database"):
        motifs.match_patterns([_pattern("pos_0", np.eye(4))], db, {"Y": "MA9999.1"})
    with pytest.raises(ValueError, match="alpha"):
        motifs.match_patterns([], db, {"X": "MA0001.1"}, alpha=1.5)
    assert motifs.match_patterns([], db, {"X": "MA0001.1"}).empty
    with pytest.raises(ValueError, match="at least one motif"):
        motifs.match_patterns([], db, {})
    with pytest.raises(ValueError, match="finite"):
        motifs.tomtom_pairs({"q": np.ones((3, 5))}, db)
    with pytest.raises(ValueError, match="empty"):
        motifs.tomtom_pairs({}, db)


@pytest.fixture(scope="module")
def jaspar():
    """JASPAR 2024 CORE vertebrates (pyjaspar ships the database: no download)."""
    return sequences.jaspar_motifs(include={"CTCF": "MA0139.2"})


def test_tomtom_recovers_planted_matrices(jaspar):
    """Sampled CTCF and GATA2 sites, as frequency matrices, match their JASPAR matrices; noise does not.

    The first call compiles memelite's kernels (about a minute in a fresh
    environment; cached by numba afterwards).
    """
    keys = {k.split()[0]: k for k in jaspar}
    rng = np.random.default_rng(0)

    def sampled(matrix, n=200):  # frequencies of n sites drawn from the matrix
        idx = np.stack([rng.choice(4, size=n, p=col) for col in matrix.T], axis=1)
        return np.stack([(idx == b).mean(axis=0) for b in range(4)])

    ctcf, gata = jaspar[keys["MA0139.2"]], jaspar[keys["MA0036.4"]]
    noise = rng.dirichlet(np.ones(4), size=10).T
    patterns = [_pattern("pos_0", sampled(ctcf)), _pattern("pos_1", sampled(gata)), _pattern("pos_2", noise)]
    planted = {"CTCF": "MA0139.2", "GATA": "MA0036.4"}
    table = motifs.match_patterns(patterns, jaspar, planted).set_index("pattern")
    assert table.loc["pos_0", "planted"] == "CTCF" and table.loc["pos_0", "planted_q"] < 1e-3
    assert table.loc["pos_1", "planted"] == "GATA"
    assert table.loc["pos_2", "spurious"]
    agree = motifs.pattern_agreement(patterns[:2], [_pattern("pos_0", sampled(gata)),
                                                    _pattern("pos_1", sampled(ctcf))], jaspar).set_index("pattern")
    assert agree.loc["pos_0", "closest"] == "pos_1" and agree.loc["pos_1", "closest"] == "pos_0"
    assert agree["shared"].all()


def test_modisco_finds_a_planted_motif():
    """Centered contributions that reward one planted 8-mer give a pattern whose consensus holds it."""
    motif = "TGACTCAG"
    idx = ["ACGT".index(c) for c in motif]
    X = random_one_hot(120, 100, seed=5, dtype=torch.float32)
    rng = np.random.default_rng(1)
    hyp = torch.from_numpy(rng.normal(0, 0.1, (120, 4, 100))).float()
    for i in range(120):
        s = int(rng.integers(5, 85))
        X[i, :, s:s + 8] = 0
        X[i, idx, torch.arange(s, s + 8)] = 1
        hyp[i, :, s:s + 8] -= 1 / 3  # centered: +1 for the motif's base, -1/3 for the others
        hyp[i, idx, torch.arange(s, s + 8)] += 4 / 3
    motifs.enable_numba_cache()
    patterns = motifs.modisco_patterns(hyp, X, n_leiden_runs=2)
    assert patterns and patterns[0].name == "pos_0"
    assert motif in patterns[0].consensus or motif in "".join("ACGT"[3 - "ACGT".index(c)]
                                                              for c in reversed(patterns[0].consensus))
    with pytest.raises(ValueError, match="n_leiden_runs"):
        motifs.modisco_patterns(hyp, X, n_leiden_runs=0)
