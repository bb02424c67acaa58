"""The repository URL is written in one place (pyproject.toml) and every file that names it agrees."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("repository", ROOT / "tools" / "repository.py")
repository = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repository)


def test_every_file_names_the_repository_of_pyproject():
    """_config.yml, CITATION.cff and every chapter's Colab install cell match pyproject.toml."""
    assert repository.mismatches() == []


def test_a_changed_url_is_found_and_written_everywhere(tmp_path):
    """Changing pyproject.toml makes --check fail until `make urls` writes the new URL everywhere."""
    for name in ("pyproject.toml", "_config.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.ipynb"))
    old = repository.settings(tmp_path)["url"]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(old, "https://github.com/someone/fork"))
    n_chapters = len(list((tmp_path / "notebooks").glob("*.py")))
    assert len(repository.mismatches(tmp_path)) == 2 + n_chapters
    changed = repository.write(tmp_path)
    assert len(changed) == 2 + n_chapters
    assert repository.mismatches(tmp_path) == []
    assert "git+https://github.com/someone/fork@main" in (tmp_path / "notebooks" / "01_taylor_link.py").read_text()
