FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd AS build
USER 10001
# A USER in an unrelated earlier stage does not apply to the final stage.
# want: DF-003
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
