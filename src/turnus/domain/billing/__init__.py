"""Billing: the reconciliation engine, invoice documents, number formats and settings."""
