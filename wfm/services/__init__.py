"""WFM writes, one module per concern; import from here."""

from wfm.services.forecasts import forecast_create, history_adjust

__all__ = ["forecast_create", "history_adjust"]
