# want: DF-002
FROM golang:1.23 AS build
RUN go version
# want: DF-002
FROM debian:bookworm-slim
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
