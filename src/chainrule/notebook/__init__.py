"""Helpers for the notebooks themselves: the figures' colour-blind-safe style and a quiet
TensorFlow import."""
