# syntax=docker/dockerfile:1.7-labs
FROM alpine:3.19 AS assets
RUN mkdir -p /assets && echo ok > /assets/status

FROM debian:bookworm-slim
COPY --chmod=0755 scripts/entrypoint.sh /usr/local/bin/
COPY --chown=1000:1000 --chmod=644 config/ /etc/app/
COPY --link --from=assets /assets /srv/assets
COPY --parents src/*/main.py /app/
COPY --exclude=*.md --exclude=docs/ . /src/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/archive.tar.gz /tmp/
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.13.0 /buildkit
ADD --unpack=false vendor.tar.gz /opt/vendor/
ADD https://example.com/file.txt /tmp/file.txt
