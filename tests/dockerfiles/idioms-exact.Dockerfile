FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
# Packages, the way std.apt installs them.
RUN apt-get update && apt-get install -y --no-install-recommends \
      ca-certificates \
      curl \
      gnupg \
      nginx \
      'tzdata' \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y less && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /srv/app --create-home --shell /bin/sh app
RUN ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
RUN apt-get purge -y --auto-remove gnupg && rm -rf /var/lib/apt/lists/*
USER app
CMD ["nginx", "-g", "daemon off;"]
