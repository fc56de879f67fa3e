# Earlier stages and scratch are not base images to pin.
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd AS base
RUN useradd -u 10001 app
USER 10001
HEALTHCHECK CMD ["true"]

FROM scratch AS empty
COPY --from=base /etc/passwd /etc/passwd

FROM BASE
COPY --from=empty /etc/passwd /tmp/passwd
