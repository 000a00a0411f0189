"""Point files and the manifest (`sim.experiments.store`): exact round trips, atomic writes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import assert_identical_tallies, make_scenario

from sim.engines.base import Tallies
from sim.experiments.store import ResultStore
from sim.files import TEMP_PREFIX
from sim.simulation import simulate


@pytest.fixture(scope="module")
def tallies() -> Tallies:
    """Tallies of a few replications of a small day (SimPy engine: no compile)."""
    return simulate(make_scenario(), reps=3, seed=2, engine="simpy").tallies


class TestPointFiles:
    """A point file holds its tallies exactly, one row per replication."""

    def test_round_trip_is_exact(self, tmp_path: Path, tallies: Tallies) -> None:
        """Written and read back: same shapes, dtypes and bits."""
        store = ResultStore(tmp_path)
        store.write("a point", "f" * 64, tallies)
        read = store.read("f" * 64)
        assert read is not None
        assert_identical_tallies(tallies, read)

    def test_a_row_per_replication_with_metadata(self, tmp_path: Path, tallies: Tallies) -> None:
        """Parquet rows are replications; the metadata names the point."""
        store = ResultStore(tmp_path)
        path = store.write("a point", "ab" * 32, tallies)
        table = pq.read_table(path)
        assert [0, 1, 2] == table.column("rep").to_pylist()
        listed = store.stored()["ab" * 32]
        assert ("a point", 3, path) == (listed.name, listed.reps, listed.path)

    def test_missing_point_reads_none(self, tmp_path: Path) -> None:
        """No file, no tallies."""
        assert ResultStore(tmp_path).read("0" * 64) is None
        assert {} == ResultStore(tmp_path).stored()

    def test_a_file_of_older_tally_columns_is_absent(
        self, tmp_path: Path, tallies: Tallies
    ) -> None:
        """A point written before a count was added (one column fewer) is rerun, not misread."""
        store = ResultStore(tmp_path)
        older = dataclasses.replace(tallies, call_counts=tallies.call_counts[..., :-1])
        store.write("old point", "c" * 64, older)
        assert store.read("c" * 64) is None
        assert {} == store.stored()

    def test_failed_write_keeps_the_old_file(
        self, tmp_path: Path, tallies: Tallies, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A write killed midway leaves the previous file and no temporary file."""
        store = ResultStore(tmp_path)
        store.write("p", "c" * 64, tallies)

        def half_then_fail(_table: object, path: Path, **_options: object) -> None:
            Path(path).write_bytes(b"PAR1 half a file")
            raise KeyboardInterrupt

        monkeypatch.setattr(pq, "write_table", half_then_fail)
        with pytest.raises(KeyboardInterrupt):
            store.write("p", "c" * 64, tallies.head(1))
        monkeypatch.undo()
        read = store.read("c" * 64)
        assert read is not None
        assert_identical_tallies(tallies, read)
        assert [] == [p.name for p in store.points_dir.iterdir() if p.name.startswith(".")]

    def test_leftover_temporary_files_are_cleaned(self, tmp_path: Path, tallies: Tallies) -> None:
        """A kill can leave a temporary file: it is never listed, and the next run removes it."""
        store = ResultStore(tmp_path)
        store.write("p", "d" * 64, tallies)
        (store.points_dir / f"{TEMP_PREFIX}x.parquet").write_bytes(b"half a file")
        assert ["d" * 64] == list(store.stored())
        assert 1 == store.clean_temporary()
        assert [f"{'d' * 64}.parquet"] == [p.name for p in store.points_dir.iterdir()]


class TestManifest:
    """The manifest is JSON, rewritten whole."""

    def test_round_trip_with_a_time_stamp(self, tmp_path: Path) -> None:
        """What is written is read back, with updated_at added."""
        store = ResultStore(tmp_path / "new")
        assert store.read_manifest() is None
        store.write_manifest({"experiment": "x", "points": []})
        manifest = store.read_manifest()
        assert manifest is not None
        assert "x" == manifest["experiment"]
        assert "updated_at" in manifest
