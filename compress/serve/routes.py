"""The endpoints: the seed's /api/tts, OpenAI's /v1/audio/speech, the voice list, health,
metrics and the page."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from compress.serve import schema
from compress.serve.encoding import supported_formats
from compress.serve.speech import SpeechAnswer

STATIC = resources.files("compress.serve") / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}


def register(app: FastAPI, state) -> None:
    settings = state.settings

    @app.get("/health")
    async def health():
        return {"status": "ok", "workers": len(state.pool.workers), "busy": state.pool.busy(),
                "queued": state.pool.waiting, "voices": [name for name, _ in settings.voices]}

    @app.get("/metrics")
    async def metrics():
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")

    async def voices():
        return {"voices": list(state.index.voices.values()),
                "formats": list(supported_formats()), "max_chars": settings.max_chars,
                "speed_range": list(schema.SPEED_RANGE)}

    app.get("/api/voices")(voices)
    app.get("/v1/audio/voices")(voices)

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "sambert-compress"}
                                           for name in state.index.voices]}

    @app.post("/api/tts")
    async def tts(request: Request):
        body = await schema.read_json(request, settings.max_body_bytes)
        return await SpeechAnswer(state, request, schema.parse_tts(body, state.index), "/api/tts").respond()

    @app.post("/v1/audio/speech")
    async def speech(request: Request):
        body = await schema.read_json(request, settings.max_body_bytes)
        req = schema.parse_openai(body, state.index)
        return await SpeechAnswer(state, request, req, "/v1/audio/speech").respond()

    @app.get("/")
    async def page():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}")
    async def static(name: str):
        entry = STATIC / name
        suffix = "." + name.rsplit(".", 1)[-1]
        if "/" in name or suffix not in STATIC_TYPES or not entry.is_file():
            return JSONResponse({"error": f"no static file {name!r}"}, status_code=404)
        return Response(entry.read_bytes(), media_type=STATIC_TYPES[suffix])
