"""Records -> tallies -> KPIs -> summaries across replications."""

from sim.results.kpis import (
    AGENT_KPIS,
    ALL,
    BOT_RATE_KPIS,
    CALL_KPIS,
    CHANNEL_KPIS,
    CHAT_KPIS,
    OUTBOUND_RATE_KPIS,
    group_kpis,
    replication_kpis,
    service_level,
)
from sim.results.summary import GroupSummary, Summary, summarize, summarize_groups, summarize_period
from sim.results.tallies import tally_records

__all__ = [
    "AGENT_KPIS",
    "ALL",
    "BOT_RATE_KPIS",
    "CALL_KPIS",
    "CHANNEL_KPIS",
    "CHAT_KPIS",
    "OUTBOUND_RATE_KPIS",
    "GroupSummary",
    "Summary",
    "group_kpis",
    "replication_kpis",
    "service_level",
    "summarize",
    "summarize_groups",
    "summarize_period",
    "tally_records",
]
