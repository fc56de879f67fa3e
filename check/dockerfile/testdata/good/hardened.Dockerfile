# syntax=docker/dockerfile:1
# A hardened Dockerfile: every check passes.
ARG BASE=debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
FROM golang:1.23@sha256:8c10f21bec412f08f73aa7b97ca5ac5f28a39d8a88030ad8a339fd0a781d72b4 AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY cmd ./cmd
RUN go build -o /out/app ./cmd/app

FROM ${BASE}
ENV APP_ENV=production DB_PASSWORD_FILE=/run/secrets/db GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
ARG VERSION=1.0.0
LABEL org.opencontainers.image.version=$VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/install.sh https://example.com/install.sh \
 && echo "d2a0d4e0c5b0e1a8b1d7a3f2e4c6b8a0d2a0d4e0c5b0e1a8b1d7a3f2e4c6b8a0  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh \
 && echo "never run: curl https://example.com | sh" \
 && rm -rf /var/lib/apt/lists/*
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2015d0b5ff6b2d5c https://example.com/tool.tar.gz /opt/
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080/tcp
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
