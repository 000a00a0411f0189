"""Resumable experiment results: one Parquet file per design point and a manifest.

Layout of a store folder::

    manifest.json              the experiment, its points and what each has (rewritten atomically)
    points/<fingerprint>.parquet

A point file holds the point's tallies (the sufficient statistics of every KPI), one row per
replication ``0 .. n-1``: a ``rep`` column and one fixed-size list column per tally array. Its
schema metadata names the point, its fingerprint and the arrays' shapes. Files are written under
a temporary name in the same folder, flushed to disk and renamed into place, so a reader sees the
old file or the new one, never half of one; a kill leaves at most a temporary file, which the
next run removes. A point file is the truth about a point; the manifest is a summary of them
for people and ``ccsim experiment status``. A point file whose tallies have other columns than
this version's (written before a tally was added) is treated as absent, so the point is rerun.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engines.base import (
    AGENT_SUMS,
    CALL_COUNTS,
    CALL_SUMS,
    GROUP_CALLS,
    GROUP_COUNTS,
    Tallies,
)
from sim.errors import UsageError
from sim.files import TEMP_PREFIX, atomic_write

POINTS_DIR = "points"
MANIFEST = "manifest.json"
_META_KEY = b"ccsim"
_TALLY_COLUMNS = {
    "call_counts": CALL_COUNTS,
    "call_sums": CALL_SUMS,
    "agent_sums": AGENT_SUMS,
    "group_calls": GROUP_CALLS,
    "group_counts": GROUP_COUNTS,
}


@dataclass(frozen=True)
class StoredPoint:
    """What a point file says about itself.

    Attributes
    ----------
    name : str
        Point name when it was written.
    fingerprint : str
        The point's fingerprint (also the file name).
    reps : int
        Replications stored (``0 .. reps-1``).
    path : Path
        The file.
    """

    name: str
    fingerprint: str
    reps: int
    path: Path


class ResultStore:
    """A folder of point files and a manifest.

    Parameters
    ----------
    folder : str or Path
        The store; created on the first write.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.points_dir = self.folder / POINTS_DIR

    def point_path(self, fingerprint: str) -> Path:
        """Return the file of the point with this fingerprint."""
        return self.points_dir / f"{fingerprint}.parquet"

    def stored(self) -> dict[str, StoredPoint]:
        """Return every complete point file, by fingerprint (temporary files are not listed)."""
        if not self.points_dir.is_dir():
            return {}
        found = {}
        for path in sorted(self.points_dir.glob("*.parquet")):
            if path.name.startswith(TEMP_PREFIX):
                continue
            meta = _read_meta(path)
            if not _has_current_columns(meta):
                continue
            found[meta["fingerprint"]] = StoredPoint(
                name=meta["name"], fingerprint=meta["fingerprint"], reps=meta["reps"], path=path
            )
        return found

    def read(self, fingerprint: str) -> Tallies | None:
        """Return a point's stored tallies, or None when it has none."""
        path = self.point_path(fingerprint)
        if not path.exists():
            return None
        table = pq.read_table(path)
        meta = _meta_of(path, table.schema.metadata)
        if not _has_current_columns(meta):
            return None
        arrays = {}
        for f in fields(Tallies):
            flat = table.column(f.name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
            shape = (meta["reps"], *meta["shapes"][f.name])
            arrays[f.name] = flat.astype(np.dtype(meta["dtypes"][f.name])).reshape(shape)
        return Tallies(**arrays)

    def write(self, name: str, fingerprint: str, tallies: Tallies) -> Path:
        """Write (or replace) a point's tallies atomically; return the file."""
        self.points_dir.mkdir(parents=True, exist_ok=True)
        table = _tallies_table(tallies, {"name": name, "fingerprint": fingerprint})
        target = self.point_path(fingerprint)
        atomic_write(target, lambda path: pq.write_table(table, path, compression="zstd"))
        return target

    def remove(self, fingerprints: list[str]) -> None:
        """Delete the files of these points."""
        for fingerprint in fingerprints:
            self.point_path(fingerprint).unlink(missing_ok=True)

    def clean_temporary(self) -> int:
        """Remove temporary files left by an interrupted write; return how many."""
        removed = 0
        for folder in (self.folder, self.points_dir):
            if folder.is_dir():
                for path in folder.glob(f"{TEMP_PREFIX}*"):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def read_manifest(self) -> dict[str, Any] | None:
        """Return the manifest, or None when the store has none yet."""
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"{path}: cannot read the manifest ({error})") from None
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically, stamped with the time."""
        self.folder.mkdir(parents=True, exist_ok=True)
        document = {**manifest, "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
        text = json.dumps(document, indent=2) + "\n"
        atomic_write(self.folder / MANIFEST, lambda path: path.write_text(text, encoding="utf-8"))


def _tallies_table(tallies: Tallies, meta: dict[str, Any]) -> pa.Table:
    reps = tallies.reps
    columns: dict[str, pa.Array] = {"rep": pa.array(np.arange(reps, dtype=np.int32))}
    shapes, dtypes = {}, {}
    for f in fields(Tallies):
        array = getattr(tallies, f.name)
        shapes[f.name] = list(array.shape[1:])
        dtypes[f.name] = str(array.dtype)
        size = int(np.prod(array.shape[1:]))
        values = pa.array(np.ascontiguousarray(array).reshape(-1))
        columns[f.name] = pa.FixedSizeListArray.from_arrays(values, size)
    document = {**meta, "reps": reps, "shapes": shapes, "dtypes": dtypes}
    return pa.table(columns).replace_schema_metadata({_META_KEY: json.dumps(document)})


def _has_current_columns(meta: dict[str, Any]) -> bool:
    """Whether a point file's tallies have this version's columns (the last axis of each)."""
    shapes = meta["shapes"]
    return all(
        name in shapes and shapes[name][-1:] == [len(columns)]
        for name, columns in _TALLY_COLUMNS.items()
    )


def _read_meta(path: Path) -> dict[str, Any]:
    return _meta_of(path, pq.read_schema(path).metadata)


def _meta_of(path: Path, metadata: dict[bytes, bytes] | None) -> dict[str, Any]:
    if not metadata or _META_KEY not in metadata:
        raise UsageError(f"{path}: not a ccsim point file (no ccsim metadata)")
    meta: dict[str, Any] = json.loads(metadata[_META_KEY])
    return meta
