"""The CLI: every command works, and bad input is one line and a non-zero exit code."""

import re

import pytest
from typer.testing import CliRunner

from turnus.cli import app

runner = CliRunner()
TENANT = [
    "tenant",
    "create",
    "--company-name",
    "CLI GmbH",
    "--street",
    "Weg",
    "--postcode",
    "10115",
    "--city",
    "Berlin",
    "--country",
    "DE",
]


@pytest.fixture(autouse=True)
def _database(cli_database: None, engine) -> None:  # type: ignore[no-untyped-def]
    """Every command here runs on the (migrated) test database."""


def invoke(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_every_command_has_help() -> None:
    for command in (
        ["serve"],
        ["worker"],
        ["db", "upgrade"],
        ["db", "check"],
        ["tenant", "create"],
        ["api-key", "create"],
        ["api-key", "list"],
        ["api-key", "revoke"],
        ["clock", "advance"],
        ["demo", "seed"],
    ):
        result = invoke(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_tenant_keys_and_clock_round_trip() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    created = invoke(*TENANT, "--sandbox")
    assert created.exit_code == 0, created.output
    tenant_id = re.search(r"(ten_\w+)", created.output).group(1)
    assert "tk_sandbox_" in created.output

    key = invoke("api-key", "create", "--tenant", tenant_id, "--name", "erp")
    key_id = re.search(r"(key_\w+)", key.output).group(1)
    listing = invoke("api-key", "list", "--tenant", tenant_id)
    assert key_id in listing.output and "erp" in listing.output
    assert "tk_sandbox_" in listing.output  # the prefix ...
    secret = re.search(r"(tk_sandbox_\S+)", key.output).group(1)
    assert secret not in listing.output  # ... never the secret

    assert invoke("api-key", "revoke", "--tenant", tenant_id, "--key", key_id).exit_code == 0
    again = invoke("api-key", "revoke", "--tenant", tenant_id, "--key", key_id)
    assert again.exit_code == 2 and "already revoked" in again.output

    advanced = invoke(
        "clock", "advance", "--tenant", tenant_id, "--to", "2030-01-01T00:00:00+01:00"
    )
    assert advanced.exit_code == 0, advanced.output
    assert (
        "2029-12-31T23:00:00+00:00" in advanced.output
        or "2030-01-01T00:00:00+01:00" in advanced.output
    )
    back = invoke("clock", "advance", "--tenant", tenant_id, "--to", "2029-01-01T00:00:00+01:00")
    assert back.exit_code == 2 and "backwards" in back.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "tenant",
                "create",
                "--company-name",
                "X",
                "--street",
                "W",
                "--postcode",
                "1",
                "--city",
                "B",
                "--country",
                "XX",
            ],
            "country",
        ),
        (["api-key", "create", "--tenant", "ten_missing", "--name", "x"], "No tenant"),
        (["clock", "advance", "--tenant", "ten_missing", "--to", "yesterday"], "--to"),
        (["clock", "advance", "--tenant", "ten_missing", "--to", "2030-01-01T00:00:00"], "offset"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_live_tenant_clock_cannot_advance() -> None:
    created = invoke(*TENANT)
    tenant_id = re.search(r"(ten_\w+)", created.output).group(1)
    result = invoke("clock", "advance", "--tenant", tenant_id, "--to", "2030-01-01T00:00:00+01:00")
    assert result.exit_code == 2 and "sandbox" in result.output


def test_demo_seed_is_idempotent(tmp_path) -> None:
    key_file = tmp_path / "demo-key"
    first = invoke("demo", "seed", "--key-file", str(key_file))
    second = invoke("demo", "seed", "--key-file", str(key_file))
    assert first.exit_code == second.exit_code == 0
    ids = [re.search(r"(ten_\w+)", r.output).group(1) for r in (first, second)]
    keys = [re.search(r"(tk_sandbox_\S+)", r.output).group(1) for r in (first, second)]
    assert ids[0] == ids[1] and keys[0] == keys[1]
    assert "already present" in second.output
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
