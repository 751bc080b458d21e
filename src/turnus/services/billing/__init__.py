"""Billing application services: settings, usage, the billing run, invoices and documents."""
