FROM alpine:3.19
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="example" \
      org.opencontainers.image.description="An example image with OCI annotations" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      "com.example.quoted key"="value with \"quotes\""
RUN echo "$VERSION" > /VERSION
