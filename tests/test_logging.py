import json
import logging

from tests.conftest import Merchant
from turnus.logging_setup import configure_logging


def test_access_logs_are_json_and_never_contain_secrets(merchant: Merchant, capsys) -> None:
    configure_logging("info")
    try:
        created = merchant.post("/v1/api_keys", json={"name": "log-test"}).json()
        merchant.get("/v1/tenant", headers={"X-Request-Id": "log-req"})
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    access = [line for line in lines if line.get("logger") == "turnus.access"]
    entry = next(line for line in access if line.get("request_id") == "log-req")
    assert entry["status"] == 200 and entry["path"] == "/v1/tenant"
    assert entry["tenant_id"] == merchant.tenant_id
    text = json.dumps(lines)
    assert merchant.api_key not in text and created["secret"] not in text
