"""hrbot: sets up, trains and runs the HR assistant (the ``hrbot`` command)."""
