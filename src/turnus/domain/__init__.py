"""The pure domain core: no I/O, no framework, no database. Everything here is deterministic."""
