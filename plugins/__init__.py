"""Built-in unit-type plugins, each written exactly as a third-party plugin would be."""
