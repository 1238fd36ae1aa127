"""The agent's TOML file: DESIGN.md's contract keys, tuning keys, and errors that name
the key at fault."""

import pytest

from smdr.agent.config import ConfigError, config_load

DESIGN_EXAMPLE = """
[centre]
url = "https://billing.example.org"     # the agent posts to {url}/api/v1/ingest/
source = "cordoba-hospital-mitel"
key_file = "agent.key"                   # or key = "..."
[capture]
transport = "tcp-client"                 # serial | tcp-client | tcp-server | file
family = "mitel-5000"                    # picks the framer and the handshake
host = "10.20.0.5"
port = 4000
password = ""  # serial: device, baud, bytesize, parity, stopbits; file: path
[spool]
path = "spool/spool.sqlite3"
"""


def write(tmp_path, text, key="k3y-from-file\n"):
    (tmp_path / "agent.key").write_text(key)
    path = tmp_path / "agent.toml"
    path.write_text(text)
    return path


def test_the_design_example_loads(tmp_path):
    config = config_load(write(tmp_path, DESIGN_EXAMPLE))

    assert config.ingest_url == "https://billing.example.org/api/v1/ingest/"
    assert config.source == "cordoba-hospital-mitel"
    assert config.key == "k3y-from-file"
    assert (config.transport, config.family) == ("tcp-client", "mitel-5000")
    assert config.capture_settings == {"host": "10.20.0.5", "port": 4000, "password": ""}
    assert config.spool_path == tmp_path / "spool" / "spool.sqlite3"  # beside the file
    assert config.log_file == tmp_path / "spool" / "agent.log"
    assert config.upload.batch_size == 5000
    assert config.retention_days == 7


def test_tuning_keys(tmp_path):
    text = DESIGN_EXAMPLE + (
        "retention_days = 30\n[upload]\nbatch_size = 500\nretry_initial = 0.5\ntimeout = 20\n"
        '[log]\nfile = "/var/log/agent.log"\nlevel = "debug"\n'
    )

    config = config_load(write(tmp_path, text))

    assert config.retention_days == 30
    assert (config.upload.batch_size, config.upload.retry_initial) == (500, 0.5)
    assert config.upload.timeout == 20
    assert (str(config.log_file), config.log_level) == ("/var/log/agent.log", "DEBUG")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("https://billing.example.org", "ftp://x"), "[centre] url must start with https://"),
        (('source = "cordoba-hospital-mitel"', ""), "[centre] source is required"),
        (('key_file = "agent.key"', 'key_file = "agent.key"\nkey = "x"'), "exactly one of"),
        (('key_file = "agent.key"', 'key_file = "missing.key"'), "key_file cannot be read"),
        (('"tcp-client"', '"modem"'), "[capture] transport must be one of serial"),
        (('"mitel-5000"', '"mitel"'), "[capture] family must be one of 3cx"),
        (("[spool]", "[spool]\nretention_days = -1"), "retention_days must be a number"),
        (("[spool]", "[upload]\nbatch_size = 6000\n[spool]"), "the centre takes at most 5000"),
        (("port = 4000", 'port = 4000\ntime_zone = "Mars/Olympus"'), "not a known zone"),
        (("[spool]", "[log]\nlevel = 'chatty'\n[spool]"), "[log] level must be one of"),
        (("url =", "url = 1\nurl2 ="), "[centre] url must be a str"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path, change, message):
    path = write(tmp_path, DESIGN_EXAMPLE.replace(*change))

    with pytest.raises(ConfigError) as error:
        config_load(path)

    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_file_following_needs_line_framing(tmp_path):
    text = DESIGN_EXAMPLE.replace('"tcp-client"', '"file"')

    with pytest.raises(ConfigError, match="mitel-5000 records cannot be followed in a file"):
        config_load(write(tmp_path, text))


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        config_load(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config_load(write(tmp_path, "[centre\n"))


def test_key_file_is_read_again(tmp_path):
    config = config_load(write(tmp_path, DESIGN_EXAMPLE))
    (tmp_path / "agent.key").write_text("rotated-key\n")

    assert config.read_key() == "rotated-key"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("prot = 4000\n", "[capture] unknown key 'prot'; known: host, port, password"),
        ('port = "four"\n', "[capture] port: 'four' is not a whole number"),
        ("clock_tolerance_minutes = -1\n", "[capture] clock_tolerance_minutes: -1 is not"),
    ],
)
def test_capture_keys_are_checked_by_the_centre_s_schema(tmp_path, extra, message):
    text = DESIGN_EXAMPLE.replace('password = ""', 'password = ""\n' + extra.rstrip("\n"))
    text = text.replace("port = 4000\n", "") if extra.startswith("port") else text

    with pytest.raises(ConfigError) as caught:
        config_load(write(tmp_path, text))

    assert message in str(caught.value)
