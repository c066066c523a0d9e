# Attune API: slim Python, built in one stage, run as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY schemas ./schemas
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN groupadd --system attune && useradd --system --gid attune --home /app attune
COPY --from=build /venv /venv
COPY frontend /app/frontend
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ATTUNE_DATA_DIR=/app/data
USER attune
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]
# The README's run command, on all interfaces inside the container.
CMD ["python", "-m", "api", "--host", "0.0.0.0", "--port", "8000"]
