//! Rollback analysis for migsafe: rollback plans, inverse operations, verification of down scripts
