"""Infra checks of monitoring and cost: dashboard, alerts, log metrics, budget, cost model."""
