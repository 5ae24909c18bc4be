"""The Rasa project (domain, endpoints, NLU add-ons) and the ``hrbot`` package that runs the system."""
