"""Use cases. Each runs inside one unit of work (one database transaction) and records audit
events; adapters (API, CLI, workers) call these and nothing below them."""
