//! Benchmarks for Typhoon (criterion micro-benchmarks arrive with the performance work).
