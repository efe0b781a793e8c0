# syntax=docker/dockerfile:1
FROM alpine:3.19
RUN --mount=type=secret,id=aws,target=/root/.aws/credentials,mode=0400,uid=0,gid=0,required \
    --mount=type=cache,target=/var/cache/apk \
    apk add aws-cli && aws s3 cp s3://bucket/config.json /etc/app/config.json
RUN --mount=type=ssh,id=github,target=/run/ssh.sock,required=true git ls-remote git@github.com:org/repo.git
ADD --chown=1000:1000 --chmod=640 https://example.com/cert.pem /etc/ssl/private/cert.pem
