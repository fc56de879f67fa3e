FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
USER app
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
# want: DF-003
USER 0:0
