ARG IMAGE=debian
ARG TAG=latest
# want: DF-001
FROM ${IMAGE}:${TAG}
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
