"""Collections: the request model, loading and validating YAML, templating, environments and targets."""
