FROM ubuntu:22.04
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wget ca-certificates && rm -rf /var/lib/apt/lists/*
RUN wget -qO- https://example.com/install.sh | bash
RUN if [[ -f /etc/os-release ]]; then . /etc/os-release && echo "$NAME"; fi
CMD echo "$HOSTNAME is up"
