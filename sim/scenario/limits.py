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

MAX_NUMBER = 1e12
"""Largest magnitude of any number in a scenario (counts, money, weights, priorities)."""

MAX_DURATION_S = 1e7
"""Longest duration (fields named ``*_s``), about 116 days."""

MAX_HOURS = 100_000.0
"""Longest span in hours (fields named ``*_h``: a steady state's horizon, a break's offset)."""

MIN_CV, MAX_CV = 1e-3, 100.0
"""Range of a coefficient of variation that is not 0 (fields ``cv`` and ``day_cv``)."""

MAX_NAME_CHARS = 100
"""Longest scenario name (it titles every plot)."""

MAX_DESCRIPTION_CHARS = 10_000
"""Longest scenario description."""

MAX_AGENTS = 20_000
"""Most agents of a scenario, every group together."""

MAX_CALLS_PER_REPLICATION = 5_000_000
"""Most expected fresh calls of one replication, every call type and day together."""

MAX_REPS = 1_000_000
"""Most replications of one run, batch or design point."""

MAX_WORKERS = 1024
"""Most threads or processes one run asks for (``--workers``)."""

MAX_TALLY_BYTES = 2 * 2**30
"""Most memory the tallies of one run may take: replications times the tallies of one (every
design point of an experiment together)."""

MAX_KEPT_CALLS = 20_000_000
"""Most calls whose records one run keeps (replications times the expected calls of one, when
records are kept): about 2 GB."""

MAX_REDIAL_ATTEMPTS = 100
"""Most redials one caller may make after abandoning (``redial.max_attempts``), and most repeat
calls of one caller's matter (``repeat.max_attempts``)."""

DEFAULT_REDIAL_ATTEMPTS = 10
"""Redials one caller makes at most when a scenario does not say (``redial.max_attempts``)."""

DEFAULT_REPEAT_ATTEMPTS = 20
"""Repeat calls of one matter at most when a scenario does not say (``repeat.max_attempts``)."""

MAX_LINES = 100_000
"""Most lines (trunks) of the centre or of one call type (``lines``)."""

MAX_BOT_PORTS = 100_000
"""Most licensed bot ports of the centre (``bot_ports``): concurrent bot sessions."""
MAX_CONCURRENT = 10
"""Most chat sessions one agent holds at once (a group's ``max_concurrent.chat``)."""

MAX_SLOWDOWN = 10.0
"""Largest chat slow-down factor (``chat_slowdown``): a session at most ten times as long."""
