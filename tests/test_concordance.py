"""Unit tests of tism_tutorial.concordance: the paper's Pearson definition, test sequences, FASTA input.

Hand-made tensors check that concordance is taken over the three alternative
bases only; seeded motif insertion is checked for positions and content;
FASTA reading for centring, cropping, padding and its messages; and every
public function for the errors it promises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tism_tutorial import gradient, ism
from tism_tutorial.concordance import (JASPAR_IDS, PAPER, alternatives, concordance_table, motif_sequences,
                                       pearson_alt, pearson_rows, read_fasta, resolve_targets, sample_sites,
                                       site_mask, summarize, target_family)

# Two toy matrices: a deterministic 4-bp site and a 3-bp site with one free column.
PWMS = {
    "fixed": torch.tensor([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]),  # ACGT
    "loose": torch.tensor([[0.5, 1, 0], [0.5, 0, 0], [0, 0, 0], [0, 0, 1.0]]),  # [AC]AT
}


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
    assert PAPER["threshold"] == 0.6
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    with pytest.raises(ValueError, match="NaN"):
        summarize([0.5, float("nan")])


# ----------------------------------------------------------------------------
# Sites and sequences
# ----------------------------------------------------------------------------

def test_sample_sites_follow_the_matrix():
    sites = sample_sites(PWMS["loose"], 200, random_state=0, both_strands=False)
    assert sites.shape == (200, 4, 3) and sites.dtype == torch.int8
    words = {decode(s) for s in sites}
    assert words == {"AAT", "CAT"}
    assert {decode(s) for s in sample_sites(PWMS["fixed"], 50, random_state=1)} == {"ACGT"}  # palindrome
    both = {decode(s) for s in sample_sites(PWMS["loose"], 200, random_state=0)}
    assert {"ATT", "ATG"} <= both  # reverse complements of AAT and CAT appear
    torch.testing.assert_close(sample_sites(PWMS["loose"], 5, 3), sample_sites(PWMS["loose"], 5, 3))


@pytest.mark.parametrize("pwm, n, match", [
    (torch.ones(3, 4) / 3, 1, "shape"),
    (torch.ones(4, 2), 1, "sum to 1"),
    (PWMS["fixed"], 0, "positive"),
])
def test_sample_sites_rejects_bad_input(pwm, n, match):
    with pytest.raises(ValueError, match=match):
        sample_sites(pwm, n)


def test_motif_sequences_places_sites_inside_the_window():
    """Sites lie inside [start, end), do not overlap, hold the sampled bases, and the rest is untouched."""
    X, sites = motif_sequences(20, PWMS, start=100, end=120, length=200, max_sites=2, random_state=3)
    assert X.shape == (20, 4, 200) and X.dtype == torch.float32
    assert set(sites.columns) == {"sequence", "motif", "start", "end", "strand", "site"}
    assert set(sites["sequence"]) == set(range(20))  # every sequence carries a site
    assert sites.groupby("sequence").size().between(1, 2).all()
    assert ((sites["start"] >= 100) & (sites["end"] <= 120)).all()
    assert (sites["end"] - sites["start"] == sites["motif"].map({"fixed": 4, "loose": 3})).all()
    for row in sites.itertuples():
        assert decode(X[row.sequence, :, row.start:row.end]) == row.site
        if row.motif == "fixed":
            assert row.site == "ACGT"
        else:
            assert row.site in ({"AAT", "CAT"} if row.strand == "+" else {"ATT", "ATG"})
    for _, group in sites.groupby("sequence"):
        spans = sorted(zip(group["start"], group["end"]))
        assert all(e <= s for (_, e), (s, _) in zip(spans, spans[1:]))  # no overlaps
    # outside the window the sequences are the random background of the same seed
    X2, _ = motif_sequences(20, PWMS, start=100, end=120, length=200, max_sites=2, random_state=3)
    torch.testing.assert_close(X, X2)
    X3, _ = motif_sequences(20, PWMS, start=100, end=120, length=200, max_sites=2, random_state=4)
    assert not torch.equal(X, X3)
    assert (X.sum(dim=1) == 1).all()


def test_site_mask_marks_site_positions():
    X, sites = motif_sequences(5, PWMS, start=50, end=70, length=100, random_state=0)
    mask = site_mask(sites, 5, 50, 70)
    assert mask.shape == (5, 20) and mask.dtype == torch.bool
    assert mask.sum() == (sites["end"] - sites["start"]).sum()
    row = sites.iloc[0]
    assert mask[row.sequence, row.start - 50:row.end - 50].all()
    with pytest.raises(ValueError, match="lacks"):
        site_mask(sites.drop(columns="end"), 5, 50, 70)
    with pytest.raises(ValueError, match="outside"):
        site_mask(sites, 1, 50, 70)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "positive"),
    ({"pwms": {}}, "empty"),
    ({"start": 60, "end": 50}, "window"),
    ({"end": 500}, "window"),
    ({"start": 50, "end": 55}, "widen"),
    ({"max_sites": 0}, "max_sites"),
])
def test_motif_sequences_rejects_bad_input(kwargs, match):
    args = {"n": 2, "pwms": PWMS, "start": 40, "end": 60, "length": 100} | kwargs
    with pytest.raises(ValueError, match=match):
        motif_sequences(**args)


def test_jaspar_pwms_are_probability_matrices():
    pytest.importorskip("pyjaspar")
    from tism_tutorial.concordance import jaspar_pwms

    pwms = jaspar_pwms()
    assert list(pwms) == list(JASPAR_IDS)
    for name, p in pwms.items():
        assert p.shape[0] == 4 and p.shape[1] >= 6
        torch.testing.assert_close(p.sum(dim=0), torch.ones(p.shape[1], dtype=p.dtype))
    assert decode(pwms["AP-1"])[1:8] == "TGAGTCA"  # FOS::JUN consensus
    assert "GGAA" in decode(pwms["ETS"])
    with pytest.raises(ValueError, match="not in"):
        jaspar_pwms({"x": "MA9999.9"})


# ----------------------------------------------------------------------------
# FASTA input
# ----------------------------------------------------------------------------

def test_read_fasta_centres_crops_and_pads(tmp_path):
    long_seq = "A" * 5 + "C" * 10 + "G" * 5  # 20 bp; central 10 are all C
    path = tmp_path / "seqs.fa"
    path.write_text(f">long\n{long_seq}\n>short\nacgt\n>exact\n{'T' * 10}\n>ambiguous\nACGTNNACGR\n")
    with pytest.warns(UserWarning, match=r"3 of 4 sequences.*1 cropped.*1 padded.*3 non-ACGT"):
        X, table = read_fasta(path, length=10, random_state=0)
    assert X.shape == (4, 4, 10) and X.dtype == torch.float32
    assert (X.sum(dim=1) == 1).all()  # every position has a base
    assert list(table["name"]) == ["long", "short", "exact", "ambiguous"]
    assert list(table["action"]) == ["cropped", "padded", "kept", "kept"]
    assert list(table["length"]) == [20, 4, 10, 10]
    assert list(table["n_replaced"]) == [0, 0, 0, 3]
    assert decode(X[0]) == "C" * 10  # centre of the long sequence
    assert decode(X[1])[3:7] == "ACGT"  # short one in the middle, (10 - 4) // 2 = 3
    assert decode(X[2]) == "T" * 10
    s = decode(X[3])
    assert s[:4] == "ACGT" and s[6:9] == "ACG"  # N and R replaced, the rest kept


def test_read_fasta_padding_is_seeded(tmp_path):
    path = tmp_path / "one.fa"
    path.write_text(">s\nACGT\n")
    with pytest.warns(UserWarning):
        a, _ = read_fasta(path, length=12, random_state=1)
    with pytest.warns(UserWarning):
        b, _ = read_fasta(path, length=12, random_state=1)
    torch.testing.assert_close(a, b)


def test_read_fasta_without_changes_is_silent(tmp_path, recwarn):
    path = tmp_path / "ok.fa"
    path.write_text(">a\nACGTACGT\n>b\nTTTTCCCC\n")
    X, table = read_fasta(path, length=8)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert decode(X[0]) == "ACGTACGT" and (table["action"] == "kept").all()


def test_read_fasta_rejects_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_fasta(tmp_path / "missing.fa")
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    with pytest.raises(ValueError, match="no FASTA records"):
        read_fasta(empty)
    text = tmp_path / "notes.txt"
    text.write_text("not a fasta file\n")
    with pytest.raises(ValueError, match="not a FASTA file"):
        read_fasta(text)
    protein = tmp_path / "protein.fa"
    protein.write_text(">p\nACGTXQ\n")
    with pytest.raises(ValueError, match="not nucleotides"):
        read_fasta(protein, length=6)
    ok = tmp_path / "ok.fa"
    ok.write_text(">a\nACGT\n")
    with pytest.raises(ValueError, match="length"):
        read_fasta(ok, length=0)


# ----------------------------------------------------------------------------
# Target names
# ----------------------------------------------------------------------------

def test_resolve_targets_and_families():
    names = ["X_DNase_None", "GM12878_JunD_None", "K562_GATA-2_None", "HepG2_CTCF_None", "A_ELK4_None",
             "B_CEBPB_None", "MCF-7_GATA3_None", "C_Pol2_None"]
    assert resolve_targets([1, "K562_GATA-2_None"], names) == [1, 2]
    assert resolve_targets(3, names) == [3]
    assert [target_family(n) for n in names] == ["DNase", "AP-1", "GATA", "CTCF", "ETS", "CEBP", "GATA", "other"]
    with pytest.raises(ValueError, match="did you mean"):
        resolve_targets(["JunD"], names)
    with pytest.raises(ValueError, match="outside"):
        resolve_targets([8], names)
    with pytest.raises(ValueError, match="twice"):
        resolve_targets([1, "GM12878_JunD_None"], names)
    with pytest.raises(ValueError, match="empty"):
        resolve_targets([], names)
    with pytest.raises(ValueError, match="indices or names"):
        resolve_targets([1.5], names)
