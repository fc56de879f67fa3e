FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
# A pipeline in a string, a download piped to a non-shell, and an exec form with a literal "|".
RUN echo "curl https://example.com/x | sh" > /tmp/note
RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg
RUN wget -qO- https://example.com/a.tar.gz | tar -xz -C /opt
RUN ["curl", "https://example.com/x", "|", "sh"]
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
