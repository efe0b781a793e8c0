FROM debian:bookworm-slim
RUN groupadd -r -g 5000 svc && useradd -r -u 5000 -g 5000 -m -d /home/svc -s /usr/sbin/nologin svc
RUN groupadd --system --gid 6000 other && useradd --system --uid 6001 --gid 6000 --home-dir /home/other --create-home --shell /bin/bash other
USER svc:svc
