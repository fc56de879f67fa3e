# Names that describe secrets without holding them; placeholders; references.
ARG TOKEN_URL=https://auth.example.com/token
FROM debian:bookworm-slim@sha256:6ac2c08566499cc2415926653cf2ed7c3aedac445675a013cc09469c9e118fdd
ARG PASSWORD_MIN_LENGTH=12
ARG AWS_ACCESS_KEY_ID_FILE=/run/secrets/aws
ENV POSTGRES_PASSWORD_FILE=/run/secrets/postgres \
    API_KEY_HEADER=X-Api-Key \
    SECRET_NAME=db-credentials \
    PUBLIC_KEY=ssh-ed25519 \
    GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D \
    DB_PASSWORD=<set-at-runtime> \
    NPM_TOKEN=${NPM_TOKEN} \
    PWD=/app
USER 10001:10001
HEALTHCHECK CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
