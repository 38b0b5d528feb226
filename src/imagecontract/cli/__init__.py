"""The `imagecontract` command: `main` dispatches to one module per subcommand."""
