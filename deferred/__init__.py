"""Deferred callback chains: results that are not ready yet."""
