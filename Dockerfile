# Attune API: slim Python, run as a non-root user. The base image is pinned by digest
# and the dependencies by requirements.lock (exact versions and hashes), so a rebuild
# installs exactly what was tested.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS build
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY api ./api
COPY schemas ./schemas
RUN /venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7
RUN groupadd --system attune && useradd --system --gid attune --home /app attune \
    && install -d -o attune -g attune -m 0700 /app /app/data
COPY --from=build /venv /venv
COPY frontend /app/frontend
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ATTUNE_DATA_DIR=/app/data \
    ATTUNE_FRONTEND_DIR=/app/frontend
USER attune
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]
# The README's run command, on all interfaces inside the container.
CMD ["python", "-m", "api", "--host", "0.0.0.0", "--port", "8000"]
