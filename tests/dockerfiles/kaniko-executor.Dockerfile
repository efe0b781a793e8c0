FROM gcr.io/kaniko-project/executor:v1.21.0-debug AS kaniko
FROM alpine:3.19
COPY --from=kaniko /kaniko /kaniko
ENV PATH=$PATH:/kaniko \
    DOCKER_CONFIG=/kaniko/.docker/ \
    SSL_CERT_DIR=/kaniko/ssl/certs
WORKDIR /workspace
ENTRYPOINT ["/kaniko/executor"]
