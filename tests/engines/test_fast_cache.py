"""Where the fast engine's compiled kernels are cached."""

from __future__ import annotations

import os
from pathlib import Path

import numba
import pytest

from sim.engines.fast.cache import (
    KERNEL_SOURCES,
    source_fingerprint,
    use_user_cache,
    user_cache_dir,
)


def test_user_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The cache sits under $XDG_CACHE_HOME when it is set."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "ccsim" / "numba"
    assert expected == user_cache_dir()


def test_user_cache_dir_defaults_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without $XDG_CACHE_HOME the cache sits under ~/.cache."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".cache" / "ccsim" / "numba"
    assert expected == user_cache_dir()


def test_a_users_numba_cache_dir_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """NUMBA_CACHE_DIR set by the user is left as it is."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    use_user_cache()
    expected = (str(tmp_path), str(tmp_path))
    assert expected == (numba.config.CACHE_DIR, os.environ["NUMBA_CACHE_DIR"])


def test_unset_numba_cache_dir_points_to_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without NUMBA_CACHE_DIR, numba (already imported) and child processes get the user cache."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    use_user_cache()
    expected = str(tmp_path / "ccsim" / "numba" / source_fingerprint())
    assert (expected, expected) == (
        numba.config.CACHE_DIR,
        os.environ["NUMBA_CACHE_DIR"],
    )


def test_an_edit_to_any_kernel_source_changes_the_folder(tmp_path: Path) -> None:
    """A callee's file changed (numba alone would load the stale kernel): a new fingerprint."""
    copies = []
    for source in KERNEL_SOURCES:
        copy = tmp_path / source.name
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    before = source_fingerprint(tuple(copies))
    assert source_fingerprint(KERNEL_SOURCES) == before
    events = next(copy for copy in copies if copy.name == "events.py")
    events.write_text(events.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert before != source_fingerprint(tuple(copies))
    assert {"kernel.py", "events.py", "sampling.py"} <= {s.name for s in KERNEL_SOURCES}
