"""Running one request: the engine, the HTTP client, generated uploads and live prefetching."""
