"""The optimiser: which holdings to keep as hubs, which to dispose of, which teams move where."""
