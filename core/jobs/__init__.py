"""Background jobs (Huey): bulk scorecard rendering and other long work, with progress."""
