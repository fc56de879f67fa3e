# want: DF-008
ARG REGISTRY_PASSWORD=s3cr3t-registry-pw
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
# want: DF-008
ARG GITHUB_TOKEN
# want: DF-008
ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz APP_ENV=production
# want: DF-008
ENV SETTINGS_BLOB=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
# want: DF-008
ARG dbPassword=hunter2hunter2
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
