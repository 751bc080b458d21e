from fastapi.testclient import TestClient

from turnus.api.app import create_app
from turnus.store.database import create_database_engine


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_reports_an_unmigrated_database(settings, tmp_path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path}/empty.db")
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "turnus db upgrade" in response.json()["detail"]
    engine.dispose()


def test_openapi_documents_every_endpoint_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            if path.startswith(("/v1", "/operator")):
                for status in ("401", "422", "500"):
                    content = operation["responses"][status]["content"]
                    assert set(content) == {"application/problem+json"}
                    problem = content["application/problem+json"]
                    assert problem["example"]["status"] == int(status)
                    assert problem["schema"]["$ref"].endswith("/Problem")
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]["application/json"]
                if content.get("examples"):
                    continue  # examples given on the operation (e.g. one per order type)
                name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                assert spec["components"]["schemas"][name].get("examples"), name
    assert client.get("/docs").status_code == 200
