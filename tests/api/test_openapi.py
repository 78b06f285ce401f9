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
