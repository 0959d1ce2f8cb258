"""Storage: the only room where SQL and sqlite3 live."""
