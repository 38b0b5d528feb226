"""The pytest wiring: the plugin (hooks and options), report hooks and merged-record replay."""
