// Placeholder: evidence bundles arrive with their issue.
