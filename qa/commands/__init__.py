"""One module per `qa` sub-command; each exposes `register(subparsers)`."""
