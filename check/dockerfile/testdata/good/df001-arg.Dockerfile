# An ARG default that pins the base; a variable without default is unknown, not reported.
ARG BASE=debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
ARG REGISTRY
FROM ${REGISTRY}/tools:latest AS tools
FROM $BASE
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
