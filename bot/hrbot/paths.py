"""Where things are in a checkout. Every process runs with the repository root as working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
VENV_RASA = ROOT / ".venv-rasa"
REQUIREMENTS = ROOT / "requirements"
RASA_LOCK = REQUIREMENTS / "rasa.lock.txt"
DOMAIN = ROOT / "bot" / "domain"
DATA = ROOT / "data"
CONFIG = ROOT / "config.yml"
CREDENTIALS = ROOT / "bot" / "credentials.yml"
RASA_ADDONS = ROOT / "bot" / "rasa_addons"
MODELS = ROOT / "bot" / "models"
MODEL = MODELS / "hrbot.tar.gz"
PROCFILE = ROOT / "Procfile"
ENV_FILE = ROOT / ".env"
DEMO_KNOWLEDGE = ROOT / "knowledge" / "demo"
SHARED = ROOT.parent / "shared"


def rasa_python() -> Path:
    return VENV_RASA / "bin" / "python"
