"""Run blocking code beside the reactor: a bounded thread pool and its bridges."""
