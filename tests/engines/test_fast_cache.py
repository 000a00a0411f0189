"""Where the fast engine's compiled kernels are cached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from sim.engines.fast.cache import (
    KERNEL_SOURCES,
    OPT_LEVEL,
    source_fingerprint,
    use_quick_compile,
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


def test_numba_compiles_at_the_quick_level_in_a_fresh_process() -> None:
    """ccsim imported first: numba compiles at OPT_LEVEL; a user's NUMBA_OPT wins."""
    probe = (
        "import sim.engines.fast, numba.core.config as c, os; "
        "print(int(c.OPT), os.environ['NUMBA_OPT'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_OPT"}
    assert f"{OPT_LEVEL} {OPT_LEVEL}" == _printed(probe, env)
    assert "1 1" == _printed(probe, {**env, "NUMBA_OPT": "1"})


def _printed(code: str, env: dict[str, str]) -> str:
    """Run ``code`` in a fresh Python with ``env``; return what it printed."""
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_numba_imported_first_keeps_its_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a process that already imported numba, the environment is left alone."""
    monkeypatch.delenv("NUMBA_OPT", raising=False)
    use_quick_compile()
    assert "NUMBA_OPT" not in os.environ
