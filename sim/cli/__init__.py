"""The ``ccsim`` command line: parse, call the ``sim`` API, print. No model logic here.

One module per command group (``run``: validate, run, compare; ``calllog``: calibrate, replay;
``experiment``; ``plan``; ``bid``; ``queue``: erlang, staff), shared options in ``options``,
and the group with its entry point in ``app``.
"""

from sim.cli.app import cli, main

__all__ = ["cli", "main"]
