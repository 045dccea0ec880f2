import pytest

from chalicelib.config import ConfigurationError, load_settings


def test_defaults_follow_the_stage():
    s = load_settings({"MP_STAGE": "dev"})
    assert s.prefix == "medprocure-dev" and s.table("main") == "medprocure-dev-main"
    assert s.bucket == "medprocure-dev-files" and s.secret_id == "medprocure-dev/app"


def test_explicit_resources_win():
    s = load_settings({"MP_STAGE": "prod", "MP_BUCKET": "b", "MP_QUEUE_URL_JOBS": "u", "MP_SFN_ARN_HEALTH": "a",
                       "MP_CORS_ORIGINS": "https://a,https://b"})
    assert s.bucket == "b" and s.queue_url("jobs") == "u" and s.state_machine_arn("health") == "a"
    assert s.cors_origins == ("https://a", "https://b") and s.is_production


def test_unknown_stage_and_missing_resources_are_configuration_errors():
    with pytest.raises(ConfigurationError):
        load_settings({"MP_STAGE": "staging"})
    s = load_settings({"MP_STAGE": "dev"})
    with pytest.raises(ConfigurationError):
        s.queue_url("jobs")
    with pytest.raises(ConfigurationError):
        s.state_machine_arn("health")


@pytest.mark.parametrize(("stage", "asked", "expected"), [
    ("test", None, "light"), ("local", None, "production"), ("local", "production", "production"),
    ("local", "light", "light"), ("dev", None, "production"), ("prod", "", "production"),
    ("dev", "light", "production"), ("prod", "light", "production"),  # not even read there
])
def test_password_hashing_is_light_on_the_test_stage_and_on_the_local_stage_when_asked(stage, asked, expected):
    env = {"MP_STAGE": stage, **({} if asked is None else {"MP_PASSWORD_HASHING": asked})}
    got = load_settings(env).password_hashing
    assert got == expected, f"stage {stage}, MP_PASSWORD_HASHING={asked!r}: expected {expected}, got {got}"


def test_an_unknown_hashing_choice_on_the_local_stage_is_refused():
    with pytest.raises(ConfigurationError, match="MP_PASSWORD_HASHING"):
        load_settings({"MP_STAGE": "local", "MP_PASSWORD_HASHING": "fast"})
