"""`sambert-compress serve`: the HTTP server (FastAPI + uvicorn) and its page.

    app.py       the application: state, lifespan, credentials, JSON errors
    routes.py    the endpoints
    speech.py    answering one speech request (cache, stream, whole file)
    schema.py    the two request bodies, checked
    pool.py      the synthesis processes, seen from the server; worker.py: one of them
    backend.py   what a served voice must offer (PyTorch today); catalog.py: its description
    cache.py, encoding.py, resampler.py, auth.py, metrics.py, config.py
    bench.py     the load benchmark (`sambert-compress bench-serve`)
    static/      the page (no CDN)
"""
