"""Write the repository URL from pyproject.toml into every file that names it, or check them.

``pyproject.toml`` is the one place that holds the repository URL
(``[project.urls] Repository``) and the git ref the chapters' Colab cells
install (``[tool.tism-book] install-ref``). This script writes them into

* ``_config.yml`` (``repository: url:``, which the Colab and repository buttons use),
* ``CITATION.cff`` (``repository-code``),
* the install cell of every ``notebooks/*.py`` chapter
  (``"tism_tutorial @ git+<url>@<ref>"``),

and with ``--check`` only reports what differs (exit status 1). After writing,
run ``make sync`` so the chapters' ``.ipynb`` twins follow.

Usage: ``python tools/repository.py [--check]`` (``make urls`` writes and syncs).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (file pattern, regex whose group 1 is replaced, what goes there)
RULES = [
    ("_config.yml", re.compile(r"^  url: (\S+)$", re.M), "url"),
    ("CITATION.cff", re.compile(r'^repository-code: "([^"]+)"$', re.M), "url"),
    ("notebooks/*.py", re.compile(r'"tism_tutorial @ git\+([^"]+)"'), "install"),
]


def settings(root: Path = ROOT) -> dict[str, str]:
    """The repository URL, the install ref and the pip requirement built from them."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    url = project["project"]["urls"]["Repository"].rstrip("/")
    ref = project["tool"]["tism-book"]["install-ref"]
    return {"url": url, "ref": ref, "install": f"{url}@{ref}"}


def mismatches(root: Path = ROOT) -> list[str]:
    """Every place whose URL differs from pyproject.toml, as ``"file: found -> expected"``."""
    want = settings(root)
    out = []
    for pattern, regex, key in RULES:
        files = sorted(root.glob(pattern))
        if not files:
            out.append(f"{pattern}: no such file")
        for path in files:
            found = regex.findall(path.read_text())
            if not found:
                out.append(f"{path.relative_to(root)}: names no repository URL")
            out += [f"{path.relative_to(root)}: {f} -> {want[key]}" for f in found if f != want[key]]
    return out


def write(root: Path = ROOT) -> list[str]:
    """Rewrite every place from pyproject.toml; return the files changed."""
    want = settings(root)
    changed = []
    for pattern, regex, key in RULES:
        for path in sorted(root.glob(pattern)):
            text = path.read_text()
            new = regex.sub(lambda m, v=want[key]: m.group(0).replace(m.group(1), v), text)
            if new != text:
                path.write_text(new)
                changed.append(str(path.relative_to(root)))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    if args.check:
        bad = mismatches()
        print("\n".join(bad) if bad else "every file names " + settings()["install"])
        return 1 if bad else 0
    changed = write()
    print(f"wrote {settings()['install']} into {changed or 'nothing (all up to date)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
