"""Database plumbing: the declarative base, the engine/session factory, shared column types."""
