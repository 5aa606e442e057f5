"""How sync batches travel between nodes."""
