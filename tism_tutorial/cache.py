"""Command line: seed the download cache from a local folder (offline machines, CI).

``python -m tism_tutorial.cache --seed-from ../shared/data`` copies every file
of :data:`tism_tutorial.weights.REGISTRY` found in that folder into
:func:`tism_tutorial.cache_dir`, after checking its hash; it prints what it did.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from . import weights
from .weights import cache_dir, file_hash


def seed_from(folder: Path) -> list[str]:
    """Copy registry files present in ``folder`` into the cache; return their names.

    Raises
    ------
    ValueError
        If a file in ``folder`` has the wrong hash (it is not copied).
    """
    copied = []
    for name, (_, known) in weights.REGISTRY.items():
        algorithm, expected = known.split(":")
        src, dst = folder / name, cache_dir() / name
        if not src.is_file() or dst.exists():
            continue
        actual = file_hash(src, algorithm)
        if actual != expected:
            raise ValueError(f"{src} has {algorithm} {actual}, expected {expected}; not copied")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied.append(name)
    return copied


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-from", type=Path, required=True, help="folder holding cached files")
    args = parser.parse_args(argv)
    if not args.seed_from.is_dir():
        print(f"{args.seed_from} does not exist: nothing to seed; cache is {cache_dir()}")
        return
    copied = seed_from(args.seed_from)
    print(f"cache {cache_dir()}: seeded {copied or 'nothing new'} from {args.seed_from}")


if __name__ == "__main__":
    main()
