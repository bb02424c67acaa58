"""Naming Beluga's targets: indices from names, and the motif family a target belongs to.

Beluga's 2,002 target names (from :func:`~tism_tutorial.weights.target_names`) read
``"<cell>_<factor>_<treatment>"``, e.g. ``"H1-hESC_JunD_None"`` (index 267).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .validate import is_integer

# Target-name patterns (Beluga's "<cell>_<factor>_<treatment>") -> inserted motif family.
_FAMILY_PATTERNS = [
    ("AP-1", r"_(JunD|c-Jun|JunB|c-Fos|FOS|FOSL1|FOSL2|eGFP-JunD|eGFP-JunB|eGFP-FOS)_"),
    ("CTCF", r"_CTCF_"),
    ("ETS", r"_(ETS1|GABP|ELF1|ELK1|ELK4)_"),
    ("GATA", r"_(GATA-?\d|eGFP-GATA2)_"),
    ("CEBP", r"_(CEBPB|CEBPD)_"),
    ("DNase", r"_DNase_"),
]



def resolve_targets(targets: int | str | Sequence[int | str], names: Sequence[str]) -> list[int]:
    """Target indices from indices or exact target names.

    Parameters
    ----------
    targets : int, str or sequence of int/str
        Zero-based indices (e.g. 267) or exact names (e.g. ``"H1-hESC_JunD_None"``).
    names : sequence of str
        All target names of the model (from :func:`~tism_tutorial.weights.target_names`).

    Returns
    -------
    list of int
        Indices in the order given.

    Raises
    ------
    ValueError
        If a name is unknown, an index is out of range, a value is neither, the
        list is empty, or a target is listed twice.
    """
    if isinstance(targets, str) or is_integer(targets):
        targets = [targets]
    lookup = {name: i for i, name in enumerate(names)}
    out = []
    for t in targets:
        if isinstance(t, str):
            if t not in lookup:
                close = [n for n in names if t.lower() in n.lower()][:5]
                raise ValueError(f"target name {t!r} is not one of the model's {len(names)} targets"
                                 + (f"; did you mean one of {close}?" if close else ""))
            out.append(lookup[t])
        elif is_integer(t):
            if not 0 <= t < len(names):
                raise ValueError(f"target {t} is outside the model's {len(names)} targets (0 to {len(names) - 1})")
            out.append(int(t))
        else:
            raise ValueError(f"targets must be indices or names, got {t!r}")
    if not out:
        raise ValueError("targets is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"targets lists a target twice: {out}")
    return out


def target_family(name: str) -> str:
    """The inserted-motif family a Beluga target belongs to, from its name.

    ``"GM12878_JunD_None"`` -> ``"AP-1"``; CTCF, ETS (ETS1, GABP, ELF1, ELK1,
    ELK4), GATA (GATA-1/2/3), CEBP (CEBPB/D), ``"DNase"``, else ``"other"``.
    The factor is matched between underscores (``_<factor>_``), case-sensitively,
    and the first family that matches wins.

    Parameters
    ----------
    name : str
        A Beluga target name, ``"<cell>_<factor>_<treatment>"`` (from
        :func:`~tism_tutorial.weights.target_names`).

    Returns
    -------
    str
        ``"AP-1"``, ``"CTCF"``, ``"ETS"``, ``"GATA"``, ``"CEBP"``, ``"DNase"``
        or ``"other"``.
    """
    for family, pattern in _FAMILY_PATTERNS:
        if re.search(pattern, name):
            return family
    return "other"
