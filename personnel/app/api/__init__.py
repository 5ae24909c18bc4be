"""HTTP layer: thin routes over the services, which hold the HR rules."""
