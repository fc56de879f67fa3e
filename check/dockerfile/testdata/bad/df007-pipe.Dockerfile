FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
# want: DF-007
RUN curl -fsSL https://get.example.com | sh
# want: DF-007
RUN wget -qO- https://example.com/install.sh | bash -
# want: DF-007
RUN sh -c "$(curl -fsSL https://example.com/install.sh)"
# want: DF-007
RUN ["/bin/bash", "-c", "curl -s https://example.com/x | python3"]
# want: DF-007
RUN <<EOT
set -e
curl https://example.com/setup | bash
EOT
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
