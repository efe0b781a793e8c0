FROM alpine:3.19 AS certs
RUN apk add --no-cache ca-certificates

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --chown=65534:65534 bin/app /app
USER 65534
STOPSIGNAL 15
ENTRYPOINT ["/app"]
