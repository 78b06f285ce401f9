"""The baseline: a bare Flask app answering a small JSON dict, served like commentsvc is."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, object]:
    return {"status": "ok", "service": "bare-flask", "version": 1}
