"""Exchange formats of the catalogue: MARC21, MARCXML and Dublin Core, read and written
one record at a time so that files of any size stream through in flat memory."""
