FROM alpine:3.19

RUN apk add --no-cache \
        bash \
        ca-certificates \
        curl \
        git \
        openssh-client \
        tzdata \
    && update-ca-certificates \
    && addgroup -S -g 1000 app \
    && adduser -S -D -u 1000 -G app -h /home/app -s /sbin/nologin app

WORKDIR /home/app
COPY --chown=app:app entrypoint.sh /usr/local/bin/entrypoint.sh
RUN chmod +x /usr/local/bin/entrypoint.sh
USER app
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
