"""How much faster is TISM than ISM? Timing harness, sweeps, tables and figures (chapter 3).

Sasse, Chikina & Mostafavi (2024, iScience 27:110807) time ISM against TISM
for N sequences of 1,000 bp (their Table 1) and for 10 sequences of 251 to
20,000 bp (Table 2) on one GPU, with ISM predicting its variants in batches
of 20, and estimate the speed-up as about 3 L / batch size (their numbers are
in :mod:`tism_tutorial.paper`). This package measures the same on Beluga, on
untrained Beluga-style networks sized to L and on an untrained AI-TAC-style
network, on whatever device runs it.

Modules, in the order a run uses them:

* :mod:`~tism_tutorial.benchmark.harness`: :func:`measure` (a
  :class:`torch.utils.benchmark.Timer` measurement plus peak memory) and
  :func:`environment`;
* :mod:`~tism_tutorial.benchmark.extrapolation`: forward-pass counts, the
  linear time model used where a whole run is too long, crossovers;
* :mod:`~tism_tutorial.benchmark.methods`: the six timed methods and the
  untrained networks sized to L;
* :mod:`~tism_tutorial.benchmark.checks`: float64 agreement checks and the
  float32 agreement of the timed runs;
* :mod:`~tism_tutorial.benchmark.records`: one :class:`Record` per reported
  time, and the JSON file;
* :mod:`~tism_tutorial.benchmark.sweeps`: :class:`~tism_tutorial.benchmark.config.Config` (from
  :data:`tism_tutorial.profiles.TIMING`), the sweeps and :func:`run`;
* :mod:`~tism_tutorial.benchmark.report` and :mod:`~tism_tutorial.benchmark.plots`:
  tables and figures.

Command line::

    python -m tism_tutorial.benchmark --profile quick|default|full --out results.json
"""

from ..attributions import ism_reference_loop, tism_reference_loop
from .checks import RTOL, correctness_checks, float32_agreement, relative_difference
from .config import Config, get_config
from .extrapolation import LinearFit, crossover, extrapolate, fit_linear, ism_forward_passes, theoretical_speedup
from .harness import PeakMemory, environment, measure, peak_memory
from .methods import (
                      ISM_20,
                      ISM_METHODS,
                      ISM_TUNED,
                      TISM_BATCHED,
                      TISM_LOOP,
                      TM_FAST,
                      TM_SLOW,
                      FastISMUnavailable,
                      PadTo,
                      aitac_style,
                      beluga_style,
                      fastism_ism,
                      fastism_threshold_seconds,
                      forced_fastism,
                      ism_function,
                      min_beluga_length,
                      n_parameters,
                      tangermeme_ism,
                      tism_batched,
                      tism_function,
)
from .plots import legend_outside, plot_speedups, plot_sweep, plot_targets, set_length_ticks
from .records import Record, extrapolated_record, load, measured_record, save
from .report import (
                      MISSING,
                      find_record,
                      fmt_sig,
                      round_sig,
                      speedups,
                      table_aitac,
                      table_lengths,
                      table_methods,
                      table_sequences,
)
from .sweeps import (
                      Bench,
                      ism_fits,
                      n_steps,
                      run,
                      spread_targets,
                      subset_widths,
                      sweep_aitac,
                      sweep_lengths,
                      sweep_sequences,
                      sweep_targets,
                      tune_batch_size,
)

__all__ = [
    "ISM_20", "ISM_METHODS", "ISM_TUNED", "MISSING", "RTOL", "TISM_BATCHED", "TISM_LOOP", "TM_FAST", "TM_SLOW",
    "aitac_style", "beluga_style", "Bench", "Config", "correctness_checks", "crossover", "environment",
    "extrapolate", "extrapolated_record", "fastism_ism", "fastism_threshold_seconds", "FastISMUnavailable",
    "find_record", "fit_linear", "float32_agreement", "fmt_sig", "forced_fastism", "get_config", "ism_fits",
    "ism_forward_passes", "ism_function", "ism_reference_loop", "legend_outside", "LinearFit", "load", "measure",
    "measured_record", "min_beluga_length", "n_parameters", "n_steps", "PadTo", "peak_memory", "PeakMemory",
    "plot_speedups", "plot_sweep", "plot_targets", "Record", "relative_difference", "round_sig", "run", "save",
    "set_length_ticks", "speedups", "spread_targets", "subset_widths", "sweep_aitac", "sweep_lengths",
    "sweep_sequences", "sweep_targets", "table_aitac", "table_lengths", "table_methods", "table_sequences",
    "tangermeme_ism", "theoretical_speedup", "tism_batched", "tism_function", "tism_reference_loop",
    "tune_batch_size"
]
