"""Records -> tallies -> KPIs -> summaries across replications."""

from sim.results.kpis import AGENT_KPIS, ALL, CALL_KPIS, replication_kpis, service_level
from sim.results.summary import Summary, summarize, summarize_period
from sim.results.tallies import tally_records

__all__ = [
    "AGENT_KPIS",
    "ALL",
    "CALL_KPIS",
    "Summary",
    "replication_kpis",
    "service_level",
    "summarize",
    "summarize_period",
    "tally_records",
]
