FROM alpine:3.19
RUN apk --no-cache add ca-certificates tzdata
COPY mytool /usr/bin/mytool
ENTRYPOINT ["/usr/bin/mytool"]
CMD ["--help"]
