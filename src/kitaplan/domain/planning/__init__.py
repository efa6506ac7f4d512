"""Bedarfsplanung: demand, supply, balance, forecasts, accessibility."""
