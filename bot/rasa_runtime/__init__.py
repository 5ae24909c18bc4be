"""Code the Rasa server runs (in .venv-rasa) that the trained model does not depend on: the tracker
store and the command line that starts Rasa with our CPU savings. Kept out of ``bot/rasa_addons``,
whose files are training inputs (a change there retrains the model, see hrbot.environments)."""
