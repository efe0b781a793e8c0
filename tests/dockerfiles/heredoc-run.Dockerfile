# syntax=docker/dockerfile:1.4
FROM debian:bookworm-slim

RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF

RUN <<-'SCRIPT'
	#!/usr/bin/env bash
	echo "running as $(id -u)"
	SCRIPT

RUN python3 <<PY > /tmp/out.txt
print("hello from a heredoc")
PY

COPY <<EOF /etc/motd
Welcome to the $HOSTNAME container.
EOF

COPY <<"CONF" /etc/app/app.conf
listen = 0.0.0.0:8080
home = $HOME
CONF

COPY <<one.txt <<two.txt /data/
first file
one.txt
second file
two.txt
