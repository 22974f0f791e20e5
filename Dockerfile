# The gateway as a container (ECS/Fargate, App Runner, Kubernetes): docs/scaling.md.
#   docker build -t bff .
#   docker run -p 8080:8080 -v $PWD/services/supergraph.graphql:/srv/supergraph.graphql:ro \
#       -e BFF_SUPERGRAPH=/srv/supergraph.graphql bff
# Configuration: a bff.yaml at BFF_CONFIG (mount it) and/or BFF_* variables (docs/configuration.md).
# tests/scale/test_image.py builds this same filesystem without a container engine and runs it.
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bff_common bff_common
COPY discovery discovery
COPY gateway gateway
COPY services services
# Every dependency ships manylinux wheels: no compiler in either stage; pip writes the .pyc files.
# local: uvicorn, uvloop, httptools; aws: boto3 for dynamodb:// registries and the shared APQ cache;
# redis: the shared APQ cache on Redis/Valkey (redis://, a pure-Python client).
RUN pip install --no-cache-dir --prefer-binary --prefix=/install ".[local,aws,redis]"

FROM python:${PYTHON_VERSION}-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin bff
COPY --from=build /install /usr/local
WORKDIR /srv
USER 10001
ENV BFF_HOST=0.0.0.0 \
    BFF_PORT=8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BFF_PORT', '8080'), timeout=2)"]
# bff is PID 1 and gets SIGTERM: in-flight requests finish (server.shutdown_timeout), then it exits.
ENTRYPOINT ["bff", "serve"]
