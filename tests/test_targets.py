"""Unit tests of tism_tutorial.targets: target indices from names, and target families."""

from __future__ import annotations

import pytest

from tism_tutorial.targets import resolve_targets, target_family

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
