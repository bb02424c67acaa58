"""``python -m tism_tutorial.benchmark --profile quick|default|full --out results.json``."""

from __future__ import annotations

import argparse
import sys

from .report import table_aitac, table_lengths, table_sequences
from .sweeps import get_config, run


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; return 1 if an agreement check failed, else 0.

    Parameters
    ----------
    argv: list of str, optional
        Arguments (default: ``sys.argv[1:]``); see ``--help``.
    """
    parser = argparse.ArgumentParser(prog="python -m tism_tutorial.benchmark",
                                     description="Time TISM against ISM (chapter 3 of the TISM book).")
    parser.add_argument("--profile", default="default", choices=["quick", "default", "full"],
                        help="quick: CPU, minutes; default: about 10 min on one GPU (quick without CUDA); "
                             "full: the paper's sizes on one GPU")
    parser.add_argument("--out", default=None, help="JSON output (default: timing_<profile>.json here)")
    parser.add_argument("--weights", default="auto", help="'auto', 'untrained' or a path (see load_beluga)")
    parser.add_argument("--device", default=None, help="e.g. cpu, cuda, cuda:1 (default: CUDA if available)")
    parser.add_argument("--target", type=int, default=267, help="target of single-target timings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from .. import weights
    from ..attributions import model_device_dtype

    model, info = weights.load_beluga(args.weights, device=args.device)
    device = model_device_dtype(model)[0]
    cfg = get_config(args.profile, device, target=args.target, seed=args.seed)
    out = args.out or f"timing_{cfg.name}.json"
    print(f"model: {info.label}\nprofile: {cfg.name}, device: {device}")
    results = run(cfg, model, info, out=out)
    for table in (table_sequences, table_lengths, table_aitac):
        print(table(results).to_string())
    failed = [k for k, v in results["checks"].items() if not v["passed"]]
    print(f"checks: {len(results['checks']) - len(failed)} passed, {len(failed)} failed {failed or ''}")
    print(f"wrote {out} ({results['wall_seconds'] / 60:.1f} min)")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
