"""Training loops shared by the demo voice and pruning recovery."""
