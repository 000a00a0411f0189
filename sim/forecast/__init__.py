"""Forecasting from history: clean it, forecast date x interval x call type, measure the error."""

from sim.forecast.backtest import HORIZONS, Backtest, Band, Score, backtest, fit_band
from sim.forecast.clean import Cleaning, Exclusion, clean
from sim.forecast.forecast import (
    Forecast,
    base_span,
    forecast_scenario,
    make_forecast,
    write_forecast,
)
from sim.forecast.history import History, history_from_log, read_history
from sim.forecast.methods import BASELINE, METHODS, Panel, predict

__all__ = [
    "BASELINE",
    "HORIZONS",
    "METHODS",
    "Backtest",
    "Band",
    "Cleaning",
    "Exclusion",
    "Forecast",
    "History",
    "Panel",
    "Score",
    "backtest",
    "base_span",
    "clean",
    "fit_band",
    "forecast_scenario",
    "history_from_log",
    "make_forecast",
    "predict",
    "read_history",
    "write_forecast",
]
