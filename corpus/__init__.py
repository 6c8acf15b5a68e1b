"""Documents -> tables -> chunks: the bottom layer of document-qa (depends on nothing of ours)."""
