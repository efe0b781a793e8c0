FROM alpine:3.19
RUN addgroup -S -g 10001 web && adduser -S -D -u 10001 -G web -h /home/web -s /sbin/nologin web
RUN mkdir -p "$(dirname /var/log/web/access.log)" && ln -sf /dev/stdout /var/log/web/access.log
USER web
