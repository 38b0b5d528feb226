"""Cassettes: what each record mode means, how a cassette is stored, and how a request matches a recorded one."""
