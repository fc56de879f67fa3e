# want: DF-001
FROM debian
# want: DF-001
FROM debian:latest AS second
# want: DF-001
FROM --platform=linux/amd64 registry.example.com:5000/team/app:latest
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
