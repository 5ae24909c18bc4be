"""HR rules live here, each rule in one place; routes only translate HTTP."""
