//! Read-only access to a live PostgreSQL database.
