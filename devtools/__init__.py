"""Development tools: local mock servers for the tests, the demo and the benchmarks (no live registry)."""
