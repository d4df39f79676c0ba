"""The client portal: what a client reads on their phone, in plain words, and their documents."""
