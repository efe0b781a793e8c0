FROM --platform=linux/amd64 ubuntu:22.04 AS amd64-tools
RUN apt-get update && apt-get install -y --no-install-recommends shellcheck && rm -rf /var/lib/apt/lists/*

FROM --platform=$TARGETPLATFORM alpine:3.19
COPY --from=amd64-tools /usr/bin/shellcheck /usr/local/bin/shellcheck
USER 1001:0
# the end
