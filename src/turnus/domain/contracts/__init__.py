"""Contracts (subscriptions): their lifecycle, derived from dated facts (pure domain)."""
