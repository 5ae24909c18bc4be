"""The notifier: delivers queued notices (the backend's outbox) to each employee's linked channels."""
