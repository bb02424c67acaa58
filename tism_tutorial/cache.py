"""Command line: seed the download cache from a local folder (offline machines, CI).

``python -m tism_tutorial.cache --seed-from ../shared/data`` copies every file
of :data:`tism_tutorial.weights.REGISTRY` found in that folder into
:func:`~tism_tutorial.weights.cache_dir`, after checking its hash; it prints what it did.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from . import weights
from .weights import cache_dir, file_hash


def seed_from(folder: Path) -> list[str]:
    """Copy registry files present in ``folder`` into the cache; return their names.

    Files of :data:`tism_tutorial.weights.REGISTRY` that are missing from
    ``folder`` or already in the cache are skipped; the others are
    hash-checked, then copied into :func:`tism_tutorial.weights.cache_dir`.

    Parameters
    ----------
    folder : pathlib.Path
        Folder holding files named as in the registry (e.g. ``deepsea.beluga.pth``).

    Returns
    -------
    list of str
        Names of the files copied, in registry order.

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


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: ``python -m tism_tutorial.cache --seed-from FOLDER``.

    Seeds the cache with :func:`seed_from` and prints what was copied; a
    missing ``FOLDER`` is reported and leaves the cache untouched.

    Parameters
    ----------
    argv : sequence of str or None, optional
        Command-line arguments without the program name; None (default)
        reads ``sys.argv``.

    Returns
    -------
    None

    Raises
    ------
    SystemExit
        From ``argparse`` when ``--seed-from`` is missing or ``-h`` is given.
    ValueError
        If a file in the folder fails its hash check (see :func:`seed_from`).
    """
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
