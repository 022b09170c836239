"""Django's SQLite backend with a queue in front of the one writer (see base.py)."""
