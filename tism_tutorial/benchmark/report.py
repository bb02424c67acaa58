"""Tables of benchmark results, the paper's numbers beside ours, and the rounding the chapter prints.

Every table cell is a string: times and ratios rounded to at most 3
significant digits (the paper's published seconds to at most 4), thousands
separated, ``*`` marking a value that is extrapolated (or computed from one
that is), and "–" where there is no value.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import paper
from .extrapolation import theoretical_speedup
from .methods import ISM_20, ISM_METHODS, TISM_BATCHED, TISM_LOOP

__all__ = ["MISSING", "find_record", "fmt_sig", "round_sig", "speedups", "table_aitac", "table_lengths",
           "table_methods", "table_sequences"]

#: What a table shows where there is no value.
MISSING = "–"


def round_sig(value: float, sig: int = 3) -> float:
    """``value`` rounded to ``sig`` significant digits (0, NaN and infinities unchanged)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, sig - 1 - math.floor(math.log10(abs(value))))


def fmt_sig(value: float | None, sig: int = 3, extrapolated: bool = False, suffix: str = "") -> str:
    """A number with at most ``sig`` significant digits and thousands separators; "–" if missing.

    Parameters
    ----------
    value: float or None
        The number; None, NaN and infinities give :data:`MISSING`.
    sig: int, optional
        Significant digits. Default 3.
    extrapolated: bool, optional
        Append "*".
    suffix: str, optional
        Appended before the "*" (e.g. "x" for a speed-up).

    Returns
    -------
    str
        E.g. ``fmt_sig(2382.91, 4) == "2,383"``, ``fmt_sig(0.1534) == "0.153"``.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    r = round_sig(float(value), sig)
    text = f"{r:,.0f}" if abs(r) >= 10 ** (sig - 1) else f"{r:.{sig}g}"
    return text + suffix + ("*" if extrapolated else "")


def find_record(results: dict, sweep: str, method: str, key: str, value) -> dict | None:
    """The first record of ``method`` in ``sweep`` whose ``key`` equals ``value`` (None if absent)."""
    for r in results["records"]:
        if r["sweep"] == sweep and r["method"] == method and r[key] == value:
            return r
    return None


def _seconds(r: dict | None) -> str:
    return fmt_sig(r["seconds"], extrapolated=r["extrapolated"]) if r else MISSING


def _ratio(ism: dict | None, tism: dict | None) -> str:
    if not ism or not tism or not math.isfinite(ism["seconds"]):
        return MISSING
    return fmt_sig(ism["seconds"] / tism["seconds"], suffix="x",
                   extrapolated=ism["extrapolated"] or tism["extrapolated"])


def _paper_columns(published: tuple[float, float] | None) -> dict:
    if published is None:
        return {"paper ISM (s)": MISSING, "paper TISM (s)": MISSING, "paper speed-up": MISSING}
    ism, tism = published
    return {"paper ISM (s)": fmt_sig(ism, 4), "paper TISM (s)": fmt_sig(tism, 4),
            "paper speed-up": fmt_sig(ism / tism, suffix="x")}


def speedups(results: dict, sweep: str, key: str, ism: str = ISM_20, tism_method: str = TISM_BATCHED,
             n_sequences: int | None = None) -> dict:
    """ISM seconds / TISM seconds at each point of a sweep.

    Parameters
    ----------
    results: dict
        From :func:`~tism_tutorial.benchmark.run` or :func:`~tism_tutorial.benchmark.load`.
    sweep: str
        "sequences", "length", "targets" or "aitac".
    key: str
        The sweep's variable ("n_sequences", "length", "n_targets").
    ism, tism_method: str, optional
        The two methods compared (default ISM at batch 20 and batched TISM).
    n_sequences: int, optional
        Only points with this many sequences (the "aitac" sweep has two per length).

    Returns
    -------
    dict of int -> (float, bool)
        Point -> (speed-up, extrapolated); ``extrapolated`` is True when either time is.
    """
    out = {}
    for r in results["records"]:
        if r["sweep"] == sweep and r["method"] == tism_method and r["n_targets"] == 1 and (
                n_sequences is None or r["n_sequences"] == n_sequences):
            i = next((x for x in results["records"] if x["sweep"] == sweep and x["method"] == ism
                      and x[key] == r[key] and x["n_sequences"] == r["n_sequences"]), None)
            if i is not None and math.isfinite(i["seconds"]):
                out[r[key]] = (i["seconds"] / r["seconds"], bool(i["extrapolated"] or r["extrapolated"]))
    return out


def table_sequences(results: dict) -> pd.DataFrame:
    """Table 1 analogue: ISM (batch 20) and TISM seconds against N, the paper's beside ours.

    Returns
    -------
    pandas.DataFrame
        Index N; string cells, "*" marking extrapolated values, "–" where none.
    """
    ns = {r["n_sequences"] for r in results["records"] if r["sweep"] == "sequences" and r["method"] == TISM_BATCHED}
    rows = []
    for n in sorted(ns | set(paper.TABLE1)):
        i = find_record(results, "sequences", ISM_20, "n_sequences", n)
        t = find_record(results, "sequences", TISM_BATCHED, "n_sequences", n)
        rows.append({"N": n, "ISM, batch 20 (s)": _seconds(i), "TISM (s)": _seconds(t), "speed-up": _ratio(i, t),
                     **_paper_columns(paper.TABLE1.get(n))})
    return pd.DataFrame(rows).set_index("N")


def table_lengths(results: dict) -> pd.DataFrame:
    """Table 2 analogue: ISM (batch 20) and TISM seconds against L, the paper's beside ours.

    Returns
    -------
    pandas.DataFrame
        Index L (bp); string cells, "*" marking extrapolated values, "–" where none.
    """
    n = results["profile"]["n_length"]
    rows = []
    for L in sorted(set(results["profile"]["lengths"]) | set(paper.TABLE2)):
        i = find_record(results, "length", ISM_20, "length", L)
        t = find_record(results, "length", TISM_BATCHED, "length", L)
        rows.append({"L (bp)": f"{L:,}", f"ISM, batch 20 (s, N={n})": _seconds(i), f"TISM (s, N={n})": _seconds(t),
                     "speed-up": _ratio(i, t), "3L/20": fmt_sig(theoretical_speedup(L), suffix="x"),
                     **_paper_columns(paper.TABLE2.get(L))})
    return pd.DataFrame(rows).set_index("L (bp)")


def table_aitac(results: dict) -> pd.DataFrame:
    """The AI-TAC-style rows: our untrained network at the paper's lengths, the paper's Table 2 row beside them.

    Returns
    -------
    pandas.DataFrame
        Index (L (bp), N); ISM at batch 20 (all outputs at once), batched
        TISM for one output, the speed-up, and the paper's 10-sequence row at that L.
    """
    recs = [r for r in results["records"] if r["sweep"] == "aitac"]
    rows = []
    for L, n in sorted({(r["length"], r["n_sequences"]) for r in recs}):
        i = next((r for r in recs if (r["length"], r["n_sequences"], r["method"]) == (L, n, ISM_20)), None)
        t = next((r for r in recs if (r["length"], r["n_sequences"], r["method"]) == (L, n, TISM_BATCHED)), None)
        published = paper.TABLE2.get(L) if n == paper.TABLE2_N else None
        rows.append({"L (bp)": f"{L:,}", "N": n, "ISM, batch 20 (s)": _seconds(i), "TISM (s)": _seconds(t),
                     "speed-up": _ratio(i, t), **_paper_columns(published)})
    return pd.DataFrame(rows).set_index(["L (bp)", "N"])


def table_methods(results: dict, n_sequences: int) -> pd.DataFrame:
    """Every method of the sequences sweep at ``n_sequences`` sequences: seconds, ratio to batched TISM, memory.

    Returns
    -------
    pandas.DataFrame
        Index method; "*" marks extrapolated values.
    """
    tism_rec = find_record(results, "sequences", TISM_BATCHED, "n_sequences", n_sequences)
    rows = []
    for method in (TISM_BATCHED, TISM_LOOP) + ISM_METHODS:
        r = find_record(results, "sequences", method, "n_sequences", n_sequences)
        if r is None:
            continue
        mem = r["peak_memory_bytes"]
        rows.append({"method": method, "batch size": r["batch_size"], "seconds": _seconds(r),
                     "times batched TISM": _ratio(r, tism_rec),
                     "peak memory (MB)": fmt_sig(mem / 2**20) if mem is not None else MISSING, "note": r["note"]})
    return pd.DataFrame(rows).set_index("method")
