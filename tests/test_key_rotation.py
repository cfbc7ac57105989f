from cryptography.fernet import Fernet

from inyett import secret_box
from inyett.extensions import db
from inyett.services.settings import get_settings
from tests.conftest import make_app

KEY = "inyett-nyckel-som-ska-kunna-läsas"


def test_rotation_refuses_a_key_from_the_config_file_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("INYETT_ENCRYPTION_KEY", raising=False)
    configured_key = Fernet.generate_key().decode()
    # The test config stands in for instance/config.py: both are read before the key file.
    app = make_app(tmp_path, ENCRYPTION_KEY=configured_key)
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    with app.app_context():
        get_settings().api_key_ciphertext = secret_box.encrypt(KEY)
        db.session.commit()
        ciphertext = get_settings().api_key_ciphertext

    result = app.test_cli_runner().invoke(args=["inyett", "rotate-encryption-key"])

    assert result.exit_code == 1
    assert "kommer från ENCRYPTION_KEY i instance/config.py" in result.output
    assert "Ingenting ändrades" in result.output
    assert "Error" not in result.output
    assert not (tmp_path / "instance" / "encryption.key").exists()
    assert app.config["ENCRYPTION_KEY"] == configured_key
    with app.app_context():
        assert get_settings().api_key_ciphertext == ciphertext
        assert secret_box.decrypt(ciphertext) == KEY
