FROM debian:bookworm-slim
RUN --mount=type=tmpfs,target=/scratch,size=67108864 \
    echo data > /scratch/x && cat /scratch/x
RUN --mount=type=bind,target=/src,rw \
    touch /src/built && ls /src
RUN --mount=type=bind,from=alpine:3.19,source=/bin,target=/alpine-bin,ro \
    ls /alpine-bin && echo done
RUN --mount=type=cache,id=apt,target=/var/cache/apt,sharing=private,mode=0755,uid=0,gid=0 \
    apt-get update && apt-get install -y curl
