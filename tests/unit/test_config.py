"""Settings: documented defaults, overrides from TOML and environment, clear refusals."""

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, require_token

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_example_config_documents_exactly_the_built_in_defaults():
    assert load_settings(EXAMPLE, environ={}) == Settings()


def test_every_setting_is_written_out_in_the_example_config():
    """Equal settings could hide a key left to its default; each one must be spelled out."""
    written = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for section_name, section in Settings().model_dump().items():
        assert set(written[section_name]) == set(section), section_name


def test_defaults_carry_the_figures_of_the_banks_rules():
    s = Settings()
    assert s.tiers.private == Decimal(2_000_000)
    assert s.tiers.wealth == Decimal(200_000)
    assert s.cadence.personal_days == {"private": 14, "wealth": 30, "premium": 60, "basic": 90}
    assert s.cadence.corporate_per_month["class1"]["rm"] == 3
    assert s.dormant.balance == Decimal(300) and s.dormant.idle_months == 6


def test_a_config_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[tiers]\nprivate = 3000000\n[schedule]\ndigest_time = 07:45:00\n", encoding="utf-8")
    s = load_settings(path, environ={})
    assert s.tiers.private == Decimal(3_000_000)
    assert s.tiers.wealth == Decimal(200_000)
    assert s.schedule.digest_time.hour == 7 and s.schedule.digest_time.minute == 45


def test_the_environment_supplies_the_token_and_database_url(tmp_path):
    s = load_settings(None, environ={"RMBOT_BOT_TOKEN": "42:abc", "RMBOT_DATABASE_URL": "sqlite:///x.db"})
    assert s.telegram.token == "42:abc"
    assert s.database.url == "sqlite:///x.db"


def test_rmbot_config_in_the_environment_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[display]\nlocale = "en"\n', encoding="utf-8")
    assert load_settings(None, environ={"RMBOT_CONFIG": str(path)}).display.locale == "en"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("[tiers]\nprivate = 100\n", "tier lines must descend"),
        ('[schedule]\ntime_zone = "Mars/Olympus"\n', "unknown time zone"),
        ("[tiers]\nprivat = 1\n", "privat"),
        ("[tiers\n", "not valid TOML"),
        ("[cadence]\npersonal_days = { gold = 3 }\n", "unknown personal tiers"),
    ],
)
def test_a_bad_config_is_refused_with_a_message_naming_the_problem(tmp_path, body, fragment):
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=fragment):
        load_settings(path, environ={})


def test_a_missing_config_file_is_named_in_the_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml", environ={})


@pytest.mark.parametrize("token", ["", "REPLACE_ME", "  "])
def test_commands_that_need_telegram_refuse_a_missing_or_placeholder_token(token):
    s = Settings.model_validate({"telegram": {"token": token}})
    with pytest.raises(ConfigError, match="RMBOT_BOT_TOKEN"):
        require_token(s)


def test_a_real_looking_token_is_accepted():
    s = Settings.model_validate({"telegram": {"token": "123456789:AAH-real-token"}})
    assert require_token(s) == "123456789:AAH-real-token"
