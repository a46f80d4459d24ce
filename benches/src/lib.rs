//! Benchmarks support: the seeded migration-set generator.
