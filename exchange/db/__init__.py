"""Database access: engines, read sessions, the unit of work, migrations."""
