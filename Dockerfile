# sambert-compress serve, CPU only, with the embedded demo voice. Not built here (no container
# engine on the build machine): a sketch kept short on purpose.
#   docker build -t sambert-compress --build-arg PIP_EXTRA_INDEX_URL=<PyTorch's CPU wheel index> .
#   docker run -p 7860:7860 sambert-compress                       # then open http://localhost:7860
#   docker run -p 7860:7860 -v /models:/models sambert-compress --voice /models/v1 --voice /models/01-prune
FROM python:3.11-slim

# libsndfile encodes WAV/FLAC/MP3/Opus for soundfile; the wheel bundles one, this is the fallback
RUN apt-get update && apt-get install -y --no-install-recommends libsndfile1 \
    && rm -rf /var/lib/apt/lists/*

# without a CPU index pip resolves torch to a CUDA build of several GB
ARG PIP_EXTRA_INDEX_URL=""
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY compress ./compress
COPY sensitivity ./sensitivity
COPY eval ./eval
RUN pip install --no-cache-dir -c constraints.txt . && rm -rf /src

RUN useradd --create-home --uid 10001 tts
USER tts
WORKDIR /home/tts
ENV OMP_WAIT_POLICY=PASSIVE
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/health', timeout=4)"
# inside a container the port must be bound on all interfaces to be published
ENTRYPOINT ["sambert-compress", "serve", "--host", "0.0.0.0", "--port", "7860"]
