// Placeholder: the investigation arrives with its issue.
