"""Question -> Answer (passages, figures, answerable), and the `qa` command."""
