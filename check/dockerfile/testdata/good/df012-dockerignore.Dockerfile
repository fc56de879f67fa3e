# Copying the context is fine: df012-dockerignore.Dockerfile.dockerignore excludes what must not be copied.
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
COPY . /app
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
