"""Files in (book-of-record imports, checked before anything is written) and out."""
