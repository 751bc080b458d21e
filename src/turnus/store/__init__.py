"""Persistence adapter: SQLAlchemy tables, tenant-scoped data access, Alembic migrations."""
