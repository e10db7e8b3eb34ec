"""make bench: the driver (run.py), and the app that adds its baseline route and seed command."""
