"""One module per command group; `compress.cli` registers them on the root app."""
