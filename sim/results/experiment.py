"""The tables of an experiment: KPIs per design point, paired differences, intervals."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ExperimentTables:
    """An experiment's results as tables: what its report shows.

    Built by :mod:`sim.experiments` from the stored tallies; written by :mod:`sim.report`.

    Attributes
    ----------
    name : str
        Experiment name.
    source : str
        Experiment file path, as the user gave it.
    description : str
        Free text of the experiment file (``''`` when none); blank lines separate paragraphs.
    engine : str
        ``"fast"`` or ``"simpy"``.
    seed : int
        The seed every point shares (common random numbers).
    baseline : str
        Name of the baseline point.
    factors : pandas.DataFrame
        One row per point in design order: ``point``, then one column per factor holding its
        levels (numbers or strings). May hold ``point`` only.
    table : pandas.DataFrame
        Whole-run, whole-centre KPIs: ``point``, ``kpi``, ``mean``, ``ci_low``, ``ci_high``,
        ``sd``, ``n_reps``; a row per point and reported KPI, design order then KPI order.
        Fractions are fractions (0.8, not 80), times in the KPI's unit.
    differences : pandas.DataFrame
        Paired difference point - baseline: ``point``, ``kpi``, ``mean``, ``ci_low``,
        ``ci_high``, ``sd``, ``n_pairs``; no rows for the baseline.
    intervals : pandas.DataFrame
        Service level (fraction) by interval of chosen points: ``point``, ``label`` (interval
        start, say ``"08:00"`` or ``"d2 08:00"``), ``mean``, ``ci_low``, ``ci_high``; rows in
        time order per point, every point on the same labels.
    sl_target : float
        The scenario's service-level target, fraction.
    kpis : tuple of str
        Reported KPIs, in order: the experiment file's, then, when the points' calendars have
        dates, ``service_level DAY`` and ``p_meet DAY`` for each open day (the day's service
        level; the share of replications whose day service level met the target, with a
        Wilson interval). Their rows in :attr:`table` and :attr:`differences` are like the
        others'.
    precision : dict of str to float
        KPI -> target 95% CI half-width in the KPI's unit (fraction for fractions); ``{}``
        when none were asked.
    missing : tuple of str
        Points without results yet (left out of the tables).
    """

    name: str
    source: str
    description: str
    engine: str
    seed: int
    baseline: str
    factors: pd.DataFrame
    table: pd.DataFrame
    differences: pd.DataFrame
    intervals: pd.DataFrame
    sl_target: float
    kpis: tuple[str, ...]
    precision: dict[str, float]
    missing: tuple[str, ...] = ()

    @property
    def points(self) -> list[str]:
        """Point names in design order."""
        return [str(point) for point in self.factors["point"]]

    @property
    def factor_names(self) -> list[str]:
        """Factor columns of :attr:`factors` (every column but ``point``)."""
        return [str(column) for column in self.factors.columns if column != "point"]
