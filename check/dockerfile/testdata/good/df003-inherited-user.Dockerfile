# USER and HEALTHCHECK inherited from the stage the final stage derives from.
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd AS runtime
RUN useradd -u 10001 app
USER app
HEALTHCHECK --interval=30s CMD ["/usr/local/bin/app", "health"]

FROM runtime
COPY app /usr/local/bin/app
