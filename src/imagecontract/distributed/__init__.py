"""Beyond one process: the shard plan, xdist chain scheduling and merging shards' summaries."""
