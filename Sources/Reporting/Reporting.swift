// Placeholder: report renderers arrive with the investigation issue.
