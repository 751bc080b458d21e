"""Turnus: subscription billing and management for subscription commerce."""

__version__ = "0.1.0"
