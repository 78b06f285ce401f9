from tests.api.admin_support import bearer, keys  # noqa: F401


def test_the_openapi_document_describes_every_public_route(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["info"]["version"] == "v1"
    paths = spec["paths"]
    expected = {
        ("/api/v1/comments", "get"), ("/api/v1/comments", "post"),
        ("/api/v1/comments/{comment_id}", "get"), ("/api/v1/comments/{comment_id}", "patch"),
        ("/api/v1/comments/{comment_id}", "delete"),
        ("/api/v1/comments/{comment_id}/replies", "get"),
        ("/api/v1/preview", "post"), ("/api/v1/counts", "get"), ("/healthz", "get"),
    }
    assert {(path, method) for path, method in expected if method in paths.get(path, {})} == (
        expected)


def test_request_and_response_schemas_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/comments"]["post"]
    assert "requestBody" in post
    assert {"201", "202", "422"} <= set(post["responses"])
    schemas = spec["components"]["schemas"]
    assert {"NewCommentIn", "CommentOut", "PageOut"} <= set(schemas)


def test_no_page_of_the_api_loads_anything_from_another_host(client):
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert "cdn." not in text


def test_errors_are_documented_as_the_one_envelope(client):
    spec = client.get("/api/v1/openapi.json").json
    envelope = spec["components"]["schemas"]["ErrorOut"]
    assert envelope["required"] == ["error"]
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own error schema
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/") or path.endswith("openapi.json"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            errors = {code: answer for code, answer in operation["responses"].items()
                      if int(code) >= 400}
            assert {"400", "404", "429", "503"} <= set(errors), (method, path)
            assert "default" not in operation["responses"]
            for answer in errors.values():
                assert answer["$ref"].startswith("#/components/responses/Error")


def test_routes_with_a_body_document_413_415_and_422(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/comments"]["post"]
    assert {"413", "415", "422", "401", "403", "409"} <= set(post["responses"])
    limited = spec["components"]["responses"]["Error429"]
    assert "Retry-After" in limited["headers"]


def test_admin_routes_declare_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["adminKey"] == {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["adminKey"]["description"]}
    for path, operations in spec["paths"].items():
        if path.startswith("/api/v1/admin"):
            for method, operation in operations.items():
                if method != "parameters":
                    assert operation["security"] == [{"adminKey": []}], (method, path)
                    assert {"401", "403"} <= set(operation["responses"])


def test_path_ids_are_documented_as_32_bit_positive_integers(client):
    spec = client.get("/api/v1/openapi.json").json
    [parameter] = spec["paths"]["/api/v1/comments/{comment_id}"]["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                                   "example": 1}


def test_an_article_without_comments_has_a_null_title_and_the_document_says_so(client, keys):  # noqa: F811
    spec = client.get("/api/v1/openapi.json").json
    title = spec["components"]["schemas"]["ArticleSettingsOut"]["properties"]["title"]
    assert title["nullable"] is True
    answer = client.get("/api/v1/admin/articles", headers=bearer(keys.moderator),
                        query_string={"site": "default", "article": "no-comments-yet"})
    assert answer.json["title"] is None
