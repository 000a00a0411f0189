"""Documented limits on what a user can type, checked at validation (docs/reference/scenario.md).

Each limit keeps a run inside a 2-core, 24 GB machine's reach; a value beyond one is refused
with the limit in the message, before anything is allocated.
"""

from __future__ import annotations

MAX_YAML_BYTES = 16 * 2**20
"""Largest YAML file read (scenarios, experiments, shift patterns)."""

MAX_CSV_BYTES = 256 * 2**20
"""Largest CSV file read (profiles, forecasts, rosters, requirements, call logs)."""

MAX_YAML_DEPTH = 64
"""Deepest nesting of YAML lists and mappings."""

MAX_YAML_VALUES = 2_000_000
"""Most values (scalars, lists and mappings) a YAML document may hold once aliases are expanded."""

MAX_SHOWN_CHARS = 200
"""Most characters of a bad value shown in an error message."""
