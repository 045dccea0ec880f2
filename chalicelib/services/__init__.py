"""Use cases: one function each, between handlers and adapters."""
