FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
# want: DF-010
RUN sudo apt-get install -y --no-install-recommends curl
# want: DF-010
RUN ["sudo", "chown", "app", "/srv"]
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
