//! Test support: a throwaway PostgreSQL server.
