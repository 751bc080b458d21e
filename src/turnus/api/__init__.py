"""HTTP adapter: FastAPI application, RFC 9457 problems, idempotency, pagination."""
