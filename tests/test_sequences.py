"""Unit tests of tism_tutorial.sequences: sampled sites, seeded motif insertion, site masks, FASTA input.

Seeded motif insertion is checked for positions and content; FASTA reading
for centring, cropping, padding and its messages; and every public function
for the errors it promises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tism_tutorial.sequences import (
    CONCORDANCE_MOTIFS,
    JASPAR_IDS,
    MOTIFS,
    motif_sequences,
    plant_site,
    read_fasta,
    sample_sites,
    site_mask,
)

# Two toy matrices: a deterministic 4-bp site and a 3-bp site with one free column.
PWMS = {
    "fixed": torch.tensor([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]),  # ACGT
    "loose": torch.tensor([[0.5, 1, 0], [0.5, 0, 0], [0, 0, 0], [0, 0, 1.0]]),  # [AC]AT
}


def decode(x: torch.Tensor) -> str:
    return "".join("ACGT"[i] for i in x.argmax(dim=0).tolist())


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
    from tism_tutorial.sequences import jaspar_pwms

    pwms = jaspar_pwms()
    assert list(pwms) == list(JASPAR_IDS)
    for p in pwms.values():
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




def test_motif_table_ids_name_the_factors_in_jaspar_2024():
    """Every ID of the one motif table is in JASPAR 2024 under the factor the book calls it."""
    pytest.importorskip("pyjaspar")
    from pyjaspar import jaspardb

    expected = {"CTCF": "CTCF", "CEBP": "CEBPB", "RUNX": "RUNX1", "EBF": "EBF1", "GATA": "GATA2",
                "TBX": "TBX21", "AP-1": "FOS::JUN", "NFAT": "NFATC2", "PU.1": "SPI1", "IRF": "IRF4", "ETS": "ETS1"}
    assert set(MOTIFS) == set(expected)
    db = jaspardb(release="JASPAR2024")
    for family, matrix_id in MOTIFS.items():
        motif = db.fetch_motif_by_id(matrix_id)
        assert motif is not None, matrix_id
        assert motif.name.upper() == expected[family], (family, matrix_id, motif.name)
    assert set(CONCORDANCE_MOTIFS) <= set(MOTIFS)

def test_plant_site_writes_either_strand():
    X = torch.zeros(1, 4, 10)
    X[:, 0] = 1  # all A
    site = torch.nn.functional.one_hot(torch.tensor([[1, 1, 2]]), 4).transpose(1, 2).to(torch.int8)  # CCG
    strands = set()
    for seed in range(8):
        Y = X.clone()
        row = plant_site(Y, 0, site, 3, np.random.default_rng(seed))
        strands.add(row["strand"])
        assert row["site"] == ("CCG" if row["strand"] == "+" else "CGG")
        assert decode(Y[0]) == "AAA" + row["site"] + "AAAA"
    assert strands == {"+", "-"}


@pytest.mark.parametrize("n, start, end, match", [(2.0, 0, 5, "n"), (2, -1, 5, "start"), (2, 0, 5.5, "end"),
                                                  (2, 5, 5, "empty")])
def test_site_mask_rejects_bad_windows(n, start, end, match):
    sites = pd.DataFrame({"sequence": [0], "start": [1], "end": [3]})
    with pytest.raises(ValueError, match=match):
        site_mask(sites, n, start, end)
