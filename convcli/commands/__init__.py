"""One module per ``convcli`` command: each parses its options, calls the core, and
hands the result to a writer or a renderer. :mod:`convcli.cli` registers them."""
