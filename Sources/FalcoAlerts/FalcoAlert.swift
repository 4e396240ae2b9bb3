// Placeholder: the alert model arrives with the alerts issue.
