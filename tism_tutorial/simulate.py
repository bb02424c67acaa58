"""Simulated regulatory sequences whose ground truth is known.

The paper's robustness experiments (Sasse, Chikina & Mostafavi 2024, Fig. 3)
train AI-TAC-style models on ATAC-seq peaks of 81 immune cell types
(Yoshida et al. 2019; 251-bp inputs). Here the "cell types" are tasks of a
synthetic *grammar*: random 250-bp sequences carry transcription-factor sites
sampled from JASPAR 2024 matrices (Rauluseviciute et al. 2024) at known
positions, and each task's label adds

* **additive** effects: a weight per factor and task, summed over the
  factors whose site is present;
* a **cooperative** (AND) term: AP-1 and NFAT add only when *both* are
  present (neither has an effect alone);
* a **spacing-dependent** term: PU.1 and IRF add only when both are present
  *and* at most ``max_gap`` bp apart (the composite-element grammar);
* Gaussian noise.

Because the generator returns every planted site and which task it drives,
attributions can be scored against the truth, and each (sequence, task) label
can be classified as depending on an interaction term or not.

Shapes: ``X`` is one-hot (N, 4, L), float32, channels A, C, G, T; labels are
(N, T) for T tasks, in arbitrary "accessibility" units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from tangermeme.utils import random_one_hot

from .sequences import MOTIFS as _ALL_MOTIFS
from .sequences import jaspar_pwms, plant_site, sample_sites
from .validate import check_int

#: Factors whose effects simply add up.
ADDITIVE = ("CTCF", "CEBP", "RUNX", "EBF", "GATA", "TBX")
#: The cooperative pair: its term counts only when both sites are present.
COOPERATIVE = ("AP-1", "NFAT")
#: The spacing-dependent pair: its term counts only when both sites are at most ``max_gap`` bp apart.
SPACED = ("PU.1", "IRF")
#: Factors planted in the simulated sequences -> JASPAR 2024 CORE matrix ID, from
#: :data:`tism_tutorial.sequences.MOTIFS` (additive, then cooperative, then spaced).
MOTIFS = {m: _ALL_MOTIFS[m] for m in ADDITIVE + COOPERATIVE + SPACED}
#: Default sequence length (the paper's AI-TAC inputs are 251 bp).
LENGTH = 250


@dataclass(frozen=True)
class Grammar:
    """The rules that turn planted sites into each task's label.

    A frozen dataclass, usually drawn with :func:`make_grammar`; every
    parameter is also an attribute of the same name. No argument is checked
    here.

    Parameters
    ----------
    pwms : dict of str -> torch.Tensor, shape=(4, w), float64
        Base probabilities (rows A, C, G, T) of every factor in :data:`MOTIFS`.
    additive : numpy.ndarray, shape=(T, len(ADDITIVE)), float64
        Weight of each additive factor in each task (0: no effect).
    cooperative : numpy.ndarray, shape=(T,), float64
        Weight of the AP-1 AND NFAT term in each task.
    spaced : numpy.ndarray, shape=(T,), float64
        Weight of the PU.1-IRF term (both sites within ``max_gap`` bp) in each task.
    max_gap : int, optional
        Largest gap in bp between the two spaced sites for their term to count. Default 10.
    noise : float, optional
        Standard deviation of the Gaussian label noise. Default 0.3.
    task_names : tuple of str, optional
        One name per task. Default ``()``.
    """

    pwms: dict
    additive: np.ndarray
    cooperative: np.ndarray
    spaced: np.ndarray
    max_gap: int = 10
    noise: float = 0.3
    task_names: tuple = field(default=())

    @property
    def n_tasks(self) -> int:
        """Number of tasks T: the rows of ``additive``.

        Returns
        -------
        int
        """
        return self.additive.shape[0]

    def table(self) -> pd.DataFrame:
        """Every task's weights as a table: one row per task, one column per term.

        Returns
        -------
        pandas.DataFrame
            Index ``task`` (the ``task_names``); one float64 column per
            additive factor (:data:`ADDITIVE`), then ``"AP-1 AND NFAT"``
            (``cooperative``) and ``"PU.1 + IRF within <max_gap> bp"``
            (``spaced``). 0 means no effect.

        Raises
        ------
        ValueError
            From pandas, if ``task_names`` does not hold one name per task
            (as with the default ``()``; :func:`make_grammar` always fills it).
        """
        df = pd.DataFrame(self.additive, columns=list(ADDITIVE), index=list(self.task_names))
        df["AP-1 AND NFAT"] = self.cooperative
        df[f"PU.1 + IRF within {self.max_gap} bp"] = self.spaced
        df.index.name = "task"
        return df


def make_grammar(n_tasks: int = 10, seed: int = 0, n_active: int = 3, max_gap: int = 10,
                 noise: float = 0.3, pwms: dict | None = None) -> Grammar:
    """Draw a multi-task grammar: which factors act in which task, and how strongly.

    The first 40 % of the tasks carry the cooperative (AND) term, the next
    40 % the spacing-dependent term, the rest are purely additive. Every task
    has ``n_active`` additive factors with weights drawn uniformly from
    [0.5, 1.5]; interaction weights are drawn from [1.5, 2.5].

    Parameters
    ----------
    n_tasks : int, optional
        Number of tasks ("cell types"), at least 3. Default 10.
    seed : int, optional
        Seed of the weights. Default 0.
    n_active : int, optional
        Additive factors with an effect in each task, 1 to 6. Default 3.
    max_gap : int, optional
        Largest gap (bp) between the PU.1 and IRF sites for their term to count. Default 10.
    noise : float, optional
        Standard deviation of the label noise, >= 0. Default 0.3.
    pwms : dict of str -> array of shape (4, w), optional
        Matrices for every name in :data:`MOTIFS`; default: read from JASPAR 2024
        with :func:`tism_tutorial.sequences.jaspar_pwms` (pyjaspar, offline).

    Returns
    -------
    Grammar
        Task names ``"cell type 0"``, ...; matrices as float64 tensors.

    Raises
    ------
    ValueError
        If an argument is out of range or ``pwms`` misses a factor.
    """
    n_tasks = check_int(n_tasks, "n_tasks", minimum=3)
    n_active = check_int(n_active, "n_active", minimum=1)
    if n_active > len(ADDITIVE):
        raise ValueError(f"n_active must be an int from 1 to {len(ADDITIVE)}, got {n_active!r}")
    max_gap = check_int(max_gap, "max_gap", minimum=0)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    pwms = jaspar_pwms(MOTIFS) if pwms is None else dict(pwms)
    missing = [m for m in MOTIFS if m not in pwms]
    if missing:
        raise ValueError(f"pwms lacks matrices for {missing}")
    rng = np.random.default_rng(seed)
    additive = np.zeros((n_tasks, len(ADDITIVE)))
    for t in range(n_tasks):
        active = rng.choice(len(ADDITIVE), size=n_active, replace=False)
        additive[t, active] = rng.uniform(0.5, 1.5, size=n_active)
    n_inter = int(round(0.4 * n_tasks))
    cooperative = np.zeros(n_tasks)
    spaced = np.zeros(n_tasks)
    cooperative[:n_inter] = rng.uniform(1.5, 2.5, size=n_inter)
    spaced[n_inter:2 * n_inter] = rng.uniform(1.5, 2.5, size=n_inter)
    names = tuple(f"cell type {t}" for t in range(n_tasks))
    return Grammar(pwms={m: torch.as_tensor(pwms[m], dtype=torch.float64) for m in MOTIFS},
                   additive=additive, cooperative=cooperative, spaced=spaced, max_gap=int(max_gap),
                   noise=float(noise), task_names=names)


@dataclass
class SimulatedData:
    """Simulated sequences, their labels and the planted sites.

    Returned by :func:`simulate`; every parameter is also an attribute of the
    same name, and ``len(data)`` is N. No argument is checked here.

    Parameters
    ----------
    X : torch.Tensor, shape=(N, 4, L), float32
        One-hot sequences, A, C, G, T.
    y : torch.Tensor, shape=(N, T), float32
        Labels: ``y_additive + y_interaction`` plus noise.
    y_additive, y_interaction : numpy.ndarray, shape=(N, T), float64
        The noiseless additive and interaction parts of the labels.
    sites : pandas.DataFrame
        One row per planted site: ``sequence``, ``motif``, ``jaspar_id``,
        ``start``, ``end`` (0-based, end exclusive), ``strand``, ``site``
        (the sampled bases, forward strand) and ``role`` (``"additive"``,
        ``"cooperative"`` or ``"spaced"``).
    causal : numpy.ndarray, shape=(n_sites, T), bool
        Whether removing the site would change the noiseless label of that task.
    grammar : Grammar
        The rules the labels were drawn from.
    """

    X: torch.Tensor
    y: torch.Tensor
    y_additive: np.ndarray
    y_interaction: np.ndarray
    sites: pd.DataFrame
    causal: np.ndarray
    grammar: Grammar

    def __len__(self) -> int:
        return self.X.shape[0]

    def subset(self, index: Sequence[int] | np.ndarray | torch.Tensor) -> SimulatedData:
        """The sequences ``index`` (ints, in the order given), sites renumbered to match.

        Parameters
        ----------
        index : sequence of int, numpy.ndarray or torch.Tensor
            Sequence indices in ``[0, N)``, flattened and converted with
            ``numpy.asarray(index, dtype=int)``: floats are truncated and a
            boolean mask is read as the indices 0 and 1. A repeated index
            repeats the sequence, but its sites are kept once, attached to
            the last repeat.

        Returns
        -------
        SimulatedData
            The chosen sequences in the order given, their labels and sites
            (``sequence`` renumbered, sorted by it) and the same grammar.

        Raises
        ------
        ValueError
            If an index is out of range.
        """
        index = np.asarray(index, dtype=int).ravel()
        if index.size and (index.min() < 0 or index.max() >= len(self)):
            raise ValueError(f"index holds values outside [0, {len(self)})")
        new_id = {int(old): new for new, old in enumerate(index)}
        keep = self.sites["sequence"].isin(new_id).to_numpy()
        sites = self.sites[keep].copy()
        sites["sequence"] = sites["sequence"].map(new_id)
        order = np.argsort(sites["sequence"].to_numpy(), kind="stable")
        t = torch.as_tensor(index)
        return SimulatedData(self.X[t], self.y[t], self.y_additive[index], self.y_interaction[index],
                             sites.iloc[order].reset_index(drop=True), self.causal[keep][order], self.grammar)

    def truth(self) -> np.ndarray:
        """Ground-truth mask: positions covered by a site that drives each task.

        Returns
        -------
        numpy.ndarray, shape=(N, T, L), bool
            True at the positions of every site whose ``causal`` entry is
            True for that task.
        """
        mask = np.zeros((len(self), self.grammar.n_tasks, self.X.shape[-1]), dtype=bool)
        for row, causal in zip(self.sites.itertuples(), self.causal):
            mask[row.sequence, causal, row.start:row.end] = True
        return mask

    def regime(self) -> np.ndarray:
        """What each label depends on: ``"interaction"``, ``"additive"`` or ``"none"``.

        ``"interaction"`` where the task's cooperative or spacing term is active
        in the sequence (other factors may add to it), ``"additive"`` where only
        additive factors drive the label, ``"none"`` where no planted site does.

        Returns
        -------
        numpy.ndarray, shape=(N, T), object
            The strings ``"interaction"``, ``"additive"`` or ``"none"``,
            read from the noiseless label parts ``y_interaction`` and ``y_additive``.
        """
        out = np.full(self.y_additive.shape, "none", dtype=object)
        out[self.y_additive != 0] = "additive"
        out[self.y_interaction != 0] = "interaction"
        return out


def _place(widths: list[int], length: int, rng: np.random.Generator, fixed: list | None = None,
           tries: int = 1000) -> list[int] | None:
    """Random non-overlapping starts (1-bp margin) for ``widths``; ``fixed`` = occupied (start, end)."""
    occupied = list(fixed or [])
    starts = []
    for w in widths:
        for _ in range(tries):
            s = int(rng.integers(0, length - w + 1))
            if all(s + w + 1 <= a or s >= b + 1 for a, b in occupied):
                break
        else:
            return None
        occupied.append((s, s + w))
        starts.append(s)
    return starts


def simulate(n: int, grammar: Grammar, length: int = LENGTH, seed: int = 0, p_pair: float = 0.3,
             p_single: float = 0.2, max_additive: int = 3) -> SimulatedData:
    """Random sequences with planted JASPAR sites and multi-task labels from ``grammar``.

    Each sequence gets 0 to ``max_additive`` distinct additive factors; the
    cooperative pair is planted whole with probability ``p_pair``, as one
    site of the two with probability ``p_single``, else not at all; the same
    for the spacing pair, planted whole half of the time with a gap of 0 to
    ``max_gap`` bp (its term counts) and half of the time 25 to 60 bp apart
    (it does not). Sites are drawn from their matrices
    (:func:`tism_tutorial.sequences.sample_sites`), put on a random strand
    and written into a uniform random background with tangermeme's
    ``random_one_hot`` and ``ersatz.substitute``; sites never overlap.

    Parameters
    ----------
    n : int
        Number of sequences, at least 1.
    grammar : Grammar
        From :func:`make_grammar`.
    length : int, optional
        Sequence length in bp, at least 150. Default 250.
    seed : int, optional
        Seed of the backgrounds, layouts, sampled sites and noise. Default 0.
    p_pair, p_single : float, optional
        Probabilities of planting both or one site of each pair; ``p_pair +
        p_single <= 1``. Defaults 0.3 and 0.2.
    max_additive : int, optional
        Most additive sites per sequence, 0 to 6. Default 3.

    Returns
    -------
    SimulatedData
        ``X`` float32 on the CPU, ``y`` float32, the noiseless label parts,
        the site table, the causal matrix and ``grammar``.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it).
    """
    n = check_int(n, "n", minimum=1)
    if not isinstance(grammar, Grammar):
        raise ValueError(f"grammar must be a Grammar from make_grammar, got {type(grammar).__name__}")
    length = check_int(length, "length", minimum=150)
    for name, p in (("p_pair", p_pair), ("p_single", p_single)):
        if not 0 <= p <= 1:
            raise ValueError(f"{name} must lie in [0, 1], got {p!r}")
    if p_pair + p_single > 1:
        raise ValueError(f"p_pair + p_single must be <= 1, got {p_pair} + {p_single}")
    max_additive = check_int(max_additive, "max_additive", minimum=0)
    if max_additive > len(ADDITIVE):
        raise ValueError(f"max_additive must be an int from 0 to {len(ADDITIVE)}, got {max_additive!r}")
    rng = np.random.default_rng(seed)
    widths = {m: p.shape[1] for m, p in grammar.pwms.items()}
    T = grammar.n_tasks
    layouts = []  # per sequence: list of (motif, start, role)
    present = np.zeros((n, len(ADDITIVE)), dtype=bool)
    coop = np.zeros(n, dtype=bool)
    close = np.zeros(n, dtype=bool)
    for i in range(n):
        while True:
            placed = []
            u_coop, u_spaced = rng.random(2)
            # the spacing pair first, as one block with its gap
            block = []
            if u_spaced < p_pair:
                a, b = SPACED if rng.random() < 0.5 else SPACED[::-1]
                is_close = bool(rng.random() < 0.5)
                gap = int(rng.integers(0, grammar.max_gap + 1)) if is_close else int(rng.integers(25, 61))
                block = [(a, 0), (b, widths[a] + gap)]
            elif u_spaced < p_pair + p_single:
                block = [(SPACED[int(rng.integers(2))], 0)]
            if block:
                span = block[-1][1] + widths[block[-1][0]]
                s0 = int(rng.integers(0, length - span + 1))
                placed = [(m, s0 + off, "spaced") for m, off in block]
            others = []
            if u_coop < p_pair:
                others += [(m, "cooperative") for m in COOPERATIVE]
            elif u_coop < p_pair + p_single:
                others.append((COOPERATIVE[int(rng.integers(2))], "cooperative"))
            k = int(rng.integers(0, max_additive + 1))
            others += [(ADDITIVE[j], "additive") for j in rng.choice(len(ADDITIVE), size=k, replace=False)]
            starts = _place([widths[m] for m, _ in others], length, rng,
                            fixed=[(s, s + widths[m]) for m, s, _ in placed])
            if starts is not None:
                break
        placed += [(m, s, role) for (m, role), s in zip(others, starts)]
        layouts.append(placed)
        names = [m for m, _, _ in placed]
        present[i] = [m in names for m in ADDITIVE]
        coop[i] = all(m in names for m in COOPERATIVE)
        if all(m in names for m in SPACED):
            (sa, ea), (sb, eb) = sorted((s, s + widths[m]) for m, s, _ in placed if m in SPACED)
            close[i] = sb - ea <= grammar.max_gap

    # sample every factor's sites in one draw, then write them into the backgrounds
    X = random_one_hot((n, 4, length), random_state=int(rng.integers(2**31 - 1)))
    counts = {m: sum(m == s[0] for lay in layouts for s in lay) for m in MOTIFS}
    drawn = {m: sample_sites(grammar.pwms[m], c, rng, both_strands=False) if c else None
             for m, c in counts.items()}
    used = {m: 0 for m in MOTIFS}
    rows = []
    for i, lay in enumerate(layouts):
        for m, s, role in sorted(lay, key=lambda r: r[1]):
            site = drawn[m][used[m]:used[m] + 1]
            used[m] += 1
            rows.append({"sequence": i, "motif": m, "jaspar_id": MOTIFS[m], "start": s, "end": s + widths[m],
                         **plant_site(X, i, site, s, rng), "role": role})
    sites = pd.DataFrame(rows, columns=["sequence", "motif", "jaspar_id", "start", "end", "strand", "site",
                                        "role"])

    y_add = present.astype(float) @ grammar.additive.T  # (n, T)
    y_int = coop[:, None] * grammar.cooperative[None] + close[:, None] * grammar.spaced[None]
    y = y_add + y_int + grammar.noise * rng.standard_normal((n, T))

    causal = np.zeros((len(sites), T), dtype=bool)
    add_index = {m: j for j, m in enumerate(ADDITIVE)}
    for k, row in enumerate(sites.itertuples()):
        if row.role == "additive":
            causal[k] = grammar.additive[:, add_index[row.motif]] != 0
        elif row.role == "cooperative":
            causal[k] = coop[row.sequence] & (grammar.cooperative != 0)
        else:
            causal[k] = close[row.sequence] & (grammar.spaced != 0)
    return SimulatedData(X=X.float(), y=torch.as_tensor(y, dtype=torch.float32), y_additive=y_add,
                         y_interaction=y_int, sites=sites, causal=causal, grammar=grammar)
