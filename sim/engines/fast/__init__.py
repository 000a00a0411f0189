"""The fast engine: a numba kernel, compiled once per machine into the user's cache folder."""

from sim.engines.fast.cache import use_user_cache

use_user_cache()
