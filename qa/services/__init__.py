"""QA writes, one module per concern."""
