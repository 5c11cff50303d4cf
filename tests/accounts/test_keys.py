"""Key wrapping: recovery keys, wraps bound to purpose and owner, the job key file, the
argon2id cost kept per person."""

from __future__ import annotations

import stat

import pytest

from tests.helpers import PASSWORD
from voiceguide.accounts import keyring, keys
from voiceguide.extensions import db
from voiceguide.models import User


def test_a_recovery_key_reads_aloud_and_parses_back():
    key = keys.new_recovery_key()
    groups = key.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert not set(key) & set("ILOU")
    assert keys.recovery_secret(key) == key.replace("-", "").encode()
    assert keys.recovery_secret(key.lower().replace("-", " ")) == keys.recovery_secret(key)
    misread = key.replace("0", "O").replace("1", "l")  # letters for their look-alike digits
    assert keys.recovery_secret(misread) == keys.recovery_secret(key)
    assert keys.recovery_secret(key[:-1]) is None
    assert keys.new_recovery_key() != key


def test_a_wrap_opens_only_for_its_purpose_and_owner():
    kek, data_key = keys.new_data_key(), keys.new_data_key()
    wrapped = keys.wrap(kek, data_key, "password", 1)
    assert keys.unwrap(kek, wrapped, "password", 1) == data_key
    for purpose, owner in (("recovery", 1), ("password", 2)):
        with pytest.raises(keys.WrongKey):
            keys.unwrap(kek, wrapped, purpose, owner)
    with pytest.raises(keys.WrongKey):
        keys.unwrap(keys.new_data_key(), wrapped, "password", 1)


def test_the_job_key_is_made_once_private_and_shared(make_app, tmp_path):
    key_file = tmp_path / "secrets" / "job_key"
    app = make_app(JOB_KEY_FILE=str(key_file))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = make_app(JOB_KEY_FILE=str(key_file))  # a worker on the same file
    assert again.extensions[keys.JOB_KEY] == app.extensions[keys.JOB_KEY]


def test_the_job_key_defaults_beside_the_signing_key(make_app, tmp_path):
    app = make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(tmp_path / "keys" / "signing"))
    assert app.config["JOB_KEY_FILE"] == str(tmp_path / "keys" / "job_key")


def test_a_broken_job_key_file_stops_the_start(make_app, tmp_path):
    key_file = tmp_path / "job_key"
    key_file.write_text("not hex")
    with pytest.raises(RuntimeError, match="job key"):
        make_app(JOB_KEY_FILE=str(key_file))


def test_the_cost_is_kept_per_person_and_raised_at_sign_in(app):
    with app.app_context():
        user = User(username="alice", password_hash="unused")
        db.session.add(user)
        db.session.flush()
        data_key = keyring.set_up(user, PASSWORD).data_key
        assert user.key_params == {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
        app.config["ARGON2_PARAMS"] = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
        assert keyring.open_with_password(user, PASSWORD) == data_key  # the old cost opens
        assert user.key_params == {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
        assert keyring.open_with_password(user, PASSWORD) == data_key  # and the new one
