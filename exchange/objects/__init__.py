"""Digital objects: uploads, verification, licences, downloads, usage, fixity, collection."""
