"""The product catalog: what merchants sell and on which terms (pure domain)."""
